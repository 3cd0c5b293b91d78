"""Auto-filled fields typed with another model: associations to ``factory_for(Model)``
(DESIGN §6 "nested models as associations"), which ``key__field`` overrides reach."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, TypedDict

import attrs
import msgspec
import pydantic
import pytest

from pyfactory import (
    OMIT,
    AssociationField,
    BuilderError,
    Factory,
    FactoryDefinitionError,
    OverrideError,
    factory_for,
    fake,
    schema,
    sequence,
)
from pyfactory._core.plan.auto import auto_layer
from pyfactory.builders import DictBuilder, ObjectBuilder

# --------------------------------------------------------------------- models


@dataclasses.dataclass
class Country:
    code: str


@dataclasses.dataclass
class Author:
    name: str
    email: str
    country: Country


@dataclasses.dataclass
class Book:
    title: str
    author: Author
    editor: Author | None = None


@dataclasses.dataclass
class Shelf:
    label: str
    book: Book


@attrs.define
class AttrsAuthor:
    name: str
    country: Country


@attrs.define
class AttrsBook:
    title: str
    author: AttrsAuthor


class PydanticCountry(pydantic.BaseModel):
    code: str = pydantic.Field(min_length=2, max_length=2)


class PydanticAuthor(pydantic.BaseModel):
    name: str = pydantic.Field(max_length=30)
    age: int = pydantic.Field(ge=18, le=99)
    country: PydanticCountry


class PydanticBook(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", strict=True)

    title: str
    author: PydanticAuthor
    reviewer: PydanticAuthor | None


class StructAuthor(msgspec.Struct):
    name: str


class StructBook(msgspec.Struct):
    title: str
    author: StructAuthor


@dataclasses.dataclass
class Node:
    value: int
    parent: Node | None = None


class Place(TypedDict):
    city: str


class Entry(TypedDict):
    author: Author
    place: Place


class Meta(TypedDict):
    tag: str


@dataclasses.dataclass
class Tagged:
    meta: Meta


@dataclasses.dataclass
class Egg:
    hen: Hen


@dataclasses.dataclass
class Hen:
    egg: Egg


@dataclasses.dataclass
class Chain:
    next: Chain


class BookFactory(Factory[Book]):
    _model = Book
    _default_schema = "basic"

    @schema(auto=True)
    def basic(self) -> dict[str, Any]:
        return {"title": "Dune"}

    @schema(auto="all")
    def complete(self) -> dict[str, Any]:
        return {}


# ---------------------------------------------------------------------- tests


class TestOverrides:
    def test_a_dunder_override_reaches_the_nested_model(self) -> None:
        """``author__name=`` goes to the association that fills ``author``."""
        book = BookFactory(seed=1).build(author__name="Frank Herbert")
        assert isinstance(book.author, Author)
        assert book.author.name == "Frank Herbert"
        assert "@" in book.author.email

    def test_the_layer_holds_an_association_to_factory_for(self) -> None:
        """The auto layer puts ``AssociationField(factory_for(Author))`` under ``author``."""
        layer = auto_layer(BookFactory, True, frozenset({"title"}))
        assert isinstance(layer["author"], AssociationField)
        assert layer["author"].factory is factory_for(Author)

    def test_three_levels_deep(self) -> None:
        """Dunder overrides reach a model inside a model inside a model."""
        shelf = factory_for(Shelf)(seed=2).build(
            book__author__country__code="NO", book__author__name="Ann", book__title="T"
        )
        assert (shelf.book.title, shelf.book.author.name) == ("T", "Ann")
        assert shelf.book.author.country == Country("NO")

    def test_a_ready_object_replaces_the_association(self) -> None:
        """An object given for the field is used as it is, and no child is made."""
        author = Author("Ann", "ann@example.com", Country("SE"))
        assert BookFactory(seed=1).build(author=author).author is author
        nested = factory_for(Shelf)(seed=1).build(book__author=author)
        assert nested.book.author is author

    def test_none_replaces_the_association_where_the_model_allows_it(self) -> None:
        """``author=None`` gives None: a dataclass takes it, a pydantic model refuses it."""
        assert BookFactory(seed=1).build(author=None).author is None
        made = factory_for(PydanticBook)(seed=1).build(reviewer=None)
        assert made.reviewer is None
        with pytest.raises(BuilderError, match=r"(?s)PydanticBookFactory\.basic: .*\nauthor\n"):
            factory_for(PydanticBook)(seed=1).build(author=None)

    def test_omit_leaves_the_field_to_its_default(self) -> None:
        """``OMIT`` removes the association under auto="all"."""
        assert BookFactory(seed=1).build("complete", editor=OMIT).editor is None

    def test_a_field_the_nested_model_lacks_names_the_path(self) -> None:
        """An override for a field the nested model does not have is refused before
        anything is made, with the path down to the nested factory and the field."""
        with pytest.raises(OverrideError) as info:
            BookFactory(seed=1).build(author__nickname="x")
        message = str(info.value)
        assert message.startswith("BookFactory.basic → author (AuthorFactory.basic) → nickname: ")
        assert "'nickname' is not a field of Author" in message

    def test_a_deep_field_the_nested_model_lacks_names_the_whole_path(self) -> None:
        """The path goes through every level."""
        with pytest.raises(OverrideError) as info:
            factory_for(Shelf)(seed=1).build(book__author__country__iso="x")
        assert str(info.value).startswith(
            "ShelfFactory.basic → book (BookFactory.basic) → author (AuthorFactory.basic) → "
            "country (CountryFactory.basic) → iso: "
        )

    def test_a_dunder_under_a_plain_field_is_still_refused(self) -> None:
        """A nested model's plain field is no association: ``OverrideError`` with the path."""
        with pytest.raises(OverrideError, match=r"→ author \(AuthorFactory\.basic\) → name: "):
            BookFactory(seed=1).build(author__name__first="x")

    def test_async(self) -> None:
        """acreate makes the nested model with the overrides too."""
        book = asyncio.run(BookFactory(seed=1).acreate(author__country__code="FI"))
        assert book.author.country.code == "FI"


class TestReproducibility:
    def test_one_seed_gives_the_same_nested_values(self) -> None:
        """Nested models come from the parent's seed: the same seed, the same objects."""
        first = factory_for(Shelf)(seed=9).build_batch(3)
        assert factory_for(Shelf)(seed=9).build_batch(3) == first
        assert factory_for(Shelf)(seed=10).build_batch(3) != first

    def test_the_same_overrides_give_the_same_values(self) -> None:
        """With overrides for nested fields too, one seed makes the same objects."""
        made = BookFactory(seed=4).build_batch(3, author__country__code="IS")
        assert BookFactory(seed=4).build_batch(3, author__country__code="IS") == made

    def test_sequences_count_per_nested_factory(self) -> None:
        """A sequence passed down counts on the nested factory, across calls."""
        books = BookFactory(seed=1).build_batch(2, author__name=sequence("writer{n}"))
        more = BookFactory(seed=1).build_batch(2, author__name=sequence("writer{n}"))
        names = [b.author.name for b in [*books, *more]]
        assert names == ["writer1", "writer2", "writer3", "writer4"]

    def test_unique_values_do_not_repeat(self) -> None:
        """A unique fake passed down gives distinct values across a batch."""
        books = BookFactory(seed=1).build_batch(30, author__email=fake("email", unique=True))
        assert len({b.author.email for b in books}) == 30


class TestModes:
    def test_optional_model_stays_none_under_auto_true(self) -> None:
        """auto=True leaves an optional model field to its default, and a required
        ``Optional[Model]`` None, as before; a dunder override for it is refused."""
        book = BookFactory(seed=1).build()
        assert book.editor is None
        assert factory_for(PydanticBook)(seed=1).build().reviewer is None
        with pytest.raises(OverrideError, match=r"reviewer__name"):
            factory_for(PydanticBook)(seed=1).build(reviewer__name="x")

    def test_auto_all_fills_optional_models(self) -> None:
        """auto="all" makes optional nested models too, and overrides reach them."""
        book = BookFactory(seed=1).build("complete", editor__name="Ed")
        assert isinstance(book.editor, Author)
        assert book.editor.name == "Ed"

        class Reviewed(Factory[PydanticBook]):
            _model = PydanticBook

            @schema(auto="all")
            def basic(self) -> dict[str, Any]:
                return {}

        reviewed = Reviewed(seed=1).build("basic", reviewer__age=40)
        assert isinstance(reviewed.reviewer, PydanticAuthor)
        assert reviewed.reviewer.age == 40

    def test_a_self_reference_stops_after_one_level(self) -> None:
        """An optional reference to its own kind is made once under auto="all": the
        nested factory is auto=True, which leaves it None."""

        class NodeFactory(Factory[Node]):
            _model = Node

            @schema(auto="all")
            def basic(self) -> dict[str, Any]:
                return {}

        node = NodeFactory(seed=1).build("basic")
        assert node.parent is not None
        assert node.parent.parent is None


class TestKinds:
    def test_attrs(self) -> None:
        """attrs classes nest the same way."""
        book = factory_for(AttrsBook)(seed=1).build(author__country__code="DK")
        assert isinstance(book.author, AttrsAuthor)
        assert book.author.country == Country("DK")

    def test_pydantic_validates(self) -> None:
        """A nested pydantic model is made within its constraints and passes the parent's
        validation (strict, extra="forbid")."""
        books = factory_for(PydanticBook)(seed=3).build_batch(20, author__country__code="NO")
        for book in books:
            assert isinstance(book.author, PydanticAuthor)
            assert 18 <= book.author.age <= 99
            assert book.author.country.code == "NO"
            assert PydanticBook.model_validate(book.model_dump()) == book

    def test_pydantic_override_is_validated(self) -> None:
        """A value the nested model refuses fails in its own factory, with the path."""
        with pytest.raises(BuilderError, match=r"→ author \(PydanticAuthorFactory\.basic\)"):
            factory_for(PydanticBook)(seed=1).build(author__age=5)

    def test_msgspec(self) -> None:
        """msgspec Structs nest the same way."""
        book = factory_for(StructBook)(seed=1).build(author__name="S")
        assert book.author == StructAuthor("S")

    def test_attributes_give_nested_dicts(self) -> None:
        """Under ``attributes`` the nested model is its attribute dict."""
        attributes = BookFactory(seed=1).attributes(author__name="A")
        assert attributes["author"]["name"] == "A"
        assert set(attributes["author"]["country"]) == {"code"}

    def test_lists_of_models_are_still_filled_inline(self) -> None:
        """A list of models is made inline, as before: no dunder overrides for it."""

        @dataclasses.dataclass
        class Anthology:
            authors: list[Author]

        made = factory_for(Anthology)(seed=1).build()
        assert made.authors
        assert all(isinstance(a, Author) for a in made.authors)
        with pytest.raises(OverrideError, match=r"authors__name"):
            factory_for(Anthology)(seed=1).build(authors__name="x")

    def test_tuples_and_dicts_of_models_are_filled_inline(self) -> None:
        """A tuple of models and a dict of them are made inline too, each model by its
        factory, and one seed makes them again."""

        @dataclasses.dataclass
        class Pairing:
            pair: tuple[Country, Author]
            by_code: dict[str, Country]

        made = factory_for(Pairing)(seed=4).build()
        assert [type(part) for part in made.pair] == [Country, Author]
        assert isinstance(made.pair[1].country, Country)
        assert made.by_code
        assert all(type(key) is str and type(c) is Country for key, c in made.by_code.items())
        assert factory_for(Pairing)(seed=4).build() == made

    def test_an_aliased_pydantic_model_is_made_and_given_under_its_alias(self) -> None:
        """A field typed with a model that pydantic takes under an alias is made by the
        model's factory, handed over under the alias, and ``name__field`` reaches it; the
        model's field without an alias is given by its name."""

        class Nested(pydantic.BaseModel):
            code: str

        class Holder(pydantic.BaseModel):
            label: str
            country: Nested = pydantic.Field(alias="Country")

        made = factory_for(Holder)(seed=2).build(country__code="SE", label="L")
        assert (made.label, made.country) == ("L", Nested(code="SE"))
        again = factory_for(Holder)(seed=2).build()
        assert isinstance(again.label, str)
        assert isinstance(again.country.code, str)


class TestBuilders:
    def test_a_typed_dict_holds_the_nested_models_own_objects(self) -> None:
        """A TypedDict parent's DictBuilder does not pass on: a dataclass inside it is a
        dataclass, a TypedDict inside it a dict."""

        entry = factory_for(Entry)(seed=1).build(author__name="A", place__city="Oslo")
        assert isinstance(entry["author"], Author)
        assert entry["author"].name == "A"
        assert entry["place"] == {"city": "Oslo"}

    def test_a_typed_dict_inside_a_dataclass_is_a_dict(self) -> None:
        """The nested TypedDict gets its own DictBuilder."""

        made = factory_for(Tagged)(seed=1).build(meta__tag="x")
        assert made.meta == {"tag": "x"}
        assert factory_for(Meta)._pf_builder.__class__ is DictBuilder

    def test_a_dict_builder_chosen_for_a_dataclass_passes_on(self) -> None:
        """A DictBuilder chosen for a dataclass gives dicts all the way down."""
        made = factory_for(Book, builder=DictBuilder())(seed=1).build(author__name="A")
        assert isinstance(made, dict)
        assert made["author"]["name"] == "A"
        assert isinstance(made["author"]["country"], dict)

    def test_a_custom_builder_passes_on(self) -> None:
        """The parent's own builder makes the nested models too."""
        seen: list[str] = []

        class Recording(ObjectBuilder[Any]):
            def build(self, model: type[Any], attributes: dict[str, Any], context: Any) -> Any:
                seen.append(model.__name__)
                return model(**attributes)

        factory_for(Book, builder=Recording())(seed=1).build()
        assert seen == ["Country", "Author", "Book"]


class TestMappingsAndErrors:
    def test_a_type_mapping_wins(self) -> None:
        """``_type_mappings`` for the nested model's type fills it instead."""
        ready = Author("Mapped", "m@example.com", Country("XX"))

        class Mapped(BookFactory):
            _type_mappings = {Author: lambda faker, field: ready}

        assert Mapped(seed=1).build().author is ready

    def test_a_name_mapping_wins(self) -> None:
        """``_name_mappings`` for the field fills it instead, and None leaves it alone."""
        ready = Author("Named", "n@example.com", Country("YY"))

        class Named(BookFactory):
            _name_mappings = {"author": lambda faker, field: ready, "editor": None}

        book = Named(seed=1).build("complete")
        assert (book.author, book.editor) == (ready, None)

    def test_a_schema_association_wins(self) -> None:
        """A schema that gives the field keeps it; the dunder goes to its association."""
        from pyfactory import association

        class Given(BookFactory):
            @schema(auto=True)
            def given(self) -> dict[str, Any]:
                return {"author": association(factory_for(Author), name="Given")}

        book = Given(seed=1).build("given", author__email="g@example.com")
        assert (book.author.name, book.author.email) == ("Given", "g@example.com")

    def test_required_models_in_a_circle_are_refused(self) -> None:
        """Two models that each require the other cannot be made: the error shows the circle."""

        with pytest.raises(FactoryDefinitionError, match=r"Egg\.hen → Hen\.egg → Egg go round"):
            factory_for(Egg)().build()

    def test_a_required_reference_to_itself_is_refused(self) -> None:
        """A model that requires one of its own kind cannot be made."""

        with pytest.raises(FactoryDefinitionError, match=r"Chain\.next → Chain go round"):
            factory_for(Chain)().build()


@dataclasses.dataclass
class Writer:
    name: str
    email: str


@dataclasses.dataclass
class Essay:
    title: str
    writer: Writer


class TestDunderKeysInAnAutoSchema:
    def test_a_schema_may_pass_values_down_to_an_auto_filled_child(self) -> None:
        """``{"writer__name": "x"}`` in an auto schema reaches the association the
        auto layer makes for ``writer``."""

        class EssayFactory(Factory[Essay]):
            _model = Essay

            @schema(auto=True)
            def basic(self) -> dict[str, Any]:
                return {"writer__name": "Ann"}

        essay = EssayFactory(seed=2).build("basic")
        assert essay.writer.name == "Ann"
        assert "@" in essay.writer.email
        assert EssayFactory(seed=2).build("basic", writer__name="Bo").writer.name == "Bo"
