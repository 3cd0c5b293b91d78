"""A misspelt override (``usernme=``) is refused before anything is made, with the
factory, the schema and the key, and the names it may have meant; the keys that do
reach the model keep working, whatever kind of model it is."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any, TypedDict

import attrs
import msgspec
import pydantic
import pytest
from sqlalchemy import ForeignKey, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import (
    OMIT,
    Context,
    Factory,
    OverrideError,
    association,
    lazy,
    many,
    schema,
    sequence,
    trait,
    transient,
)
from pyfactory.builders import DictBuilder, ObjectBuilder
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder


@dataclasses.dataclass
class User:
    username: str
    email: str = "u@example.org"
    is_staff: bool = False


class UserFactory(Factory[User]):
    _model = User
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"username": sequence("user{n}"), "greeting": transient("hi")}

    @trait()
    def staff(self) -> dict[str, Any]:
        return {"is_staff": True}


USERNME = (
    "UserFactory.basic → usernme: 'usernme' is not a field of User, a key of the schema "
    "or a trait of UserFactory; did you mean 'username'?"
)


def test_a_misspelt_override_is_refused_with_the_name_it_may_have_meant() -> None:
    with pytest.raises(OverrideError) as caught:
        UserFactory().build(usernme="ann")
    assert str(caught.value) == USERNME
    assert caught.value.factory == "UserFactory"
    assert caught.value.schema == "basic"
    assert caught.value.field == "usernme"


def test_an_override_like_nothing_lists_what_the_factory_takes() -> None:
    with pytest.raises(OverrideError) as caught:
        UserFactory().build(zzz=1)
    assert str(caught.value) == (
        "UserFactory.basic → zzz: 'zzz' is not a field of User, a key of the schema or a "
        "trait of UserFactory; the keys it takes are: email, greeting, is_staff, staff, "
        "username"
    )


def test_several_close_names_are_all_offered() -> None:
    with pytest.raises(OverrideError, match=r"did you mean 'is_staff' or 'staff'\?$"):
        UserFactory().build(is_staf=True)


made: list[Any] = []


@dataclasses.dataclass
class CountedUser(User):
    def __post_init__(self) -> None:
        made.append(self)


def test_every_method_refuses_a_misspelt_override_before_anything_is_made() -> None:
    class CountedUserFactory(UserFactory):
        _model = CountedUser

    factory = CountedUserFactory()
    calls = [
        lambda: factory.attributes(usernme="a"),
        lambda: factory.create(usernme="a"),
        lambda: factory.attributes_batch(2, usernme="a"),
        lambda: factory.build_batch(2, usernme="a"),
        lambda: factory.create_batch(2, usernme="a"),
        lambda: factory.insert_batch(2, usernme="a"),
        lambda: asyncio.run(factory.acreate(usernme="a")),
        lambda: asyncio.run(factory.acreate_batch(2, usernme="a")),
        lambda: asyncio.run(factory.ainsert_batch(2, usernme="a")),
    ]
    for call in calls:
        with pytest.raises(OverrideError, match="did you mean 'username'"):
            call()
    assert made == []
    assert len(factory.create_batch(2)) == len(made) == 2


def test_the_keys_the_factory_takes_are_not_refused() -> None:
    user = UserFactory().build(username="ann", email="a@b.c", greeting="yo", staff=True)
    assert user == User("ann", "a@b.c", is_staff=True)


@dataclasses.dataclass
class Team:
    name: str
    owner: User
    members: list[User]


class TeamFactory(Factory[Team]):
    _model = Team
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": "t",
            "owner": association(UserFactory),
            "members": many(UserFactory, count=2),
        }

    @schema()
    def misspelt_child(self) -> dict[str, Any]:
        return {
            "name": "t",
            "owner": association(UserFactory, usernme="x"),
            "members": many(UserFactory, count=2, emial="x"),
        }


def test_an_override_passed_down_to_a_child_is_checked_against_the_child_s_model() -> None:
    with pytest.raises(OverrideError) as caught:
        TeamFactory().build(owner__usernme="x")
    assert str(caught.value) == f"TeamFactory.basic → owner ({USERNME}".replace(
        "UserFactory.basic → usernme", "UserFactory.basic) → usernme"
    )


def test_the_overrides_of_association_and_many_are_checked_in_batches_too() -> None:
    with pytest.raises(OverrideError, match=r"^TeamFactory\.misspelt_child → owner \(UserFactory"):
        TeamFactory().create_batch("misspelt_child", 3)
    with pytest.raises(OverrideError, match=r"→ members\[0\] \(UserFactory\.basic\) → emial: "):
        TeamFactory().build("misspelt_child", owner=User("x"))


# ----------------------------------------------------------- kinds of models


@attrs.define
class Secret:
    _token: str  # the constructor's keyword is ``token``


class SecretFactory(Factory[Secret]):
    _model = Secret
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"token": "t"}


def test_an_attrs_alias_is_taken() -> None:
    assert SecretFactory().build(token="x")._token == "x"
    with pytest.raises(OverrideError, match="did you mean 'token'"):
        SecretFactory().build(tokn="x")


class Account(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(populate_by_name=True)

    full_name: str = pydantic.Field(alias="fullName")
    email: str = pydantic.Field("a@b.c", validation_alias=pydantic.AliasChoices("email", "mail"))


class Loose(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")

    name: str = "n"


def test_pydantic_names_aliases_and_alias_choices_are_taken() -> None:
    class AccountFactory(Factory[Account]):
        _model = Account
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"full_name": "Ann"}

    factory = AccountFactory()
    assert factory.build(fullName="Bo").full_name == "Bo"
    assert factory.build(mail="m@x.y").email == "m@x.y"
    with pytest.raises(OverrideError, match="did you mean 'full_name'"):
        factory.build(full_nme="x")


def test_a_pydantic_model_that_keeps_extra_keys_takes_any_key() -> None:
    class LooseFactory(Factory[Loose]):
        _model = Loose
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {}

    assert LooseFactory().build(colour="red").model_extra == {"colour": "red"}


class Point(msgspec.Struct):
    x: int
    y: int = 0


def test_a_msgspec_struct_s_fields_are_checked() -> None:
    class PointFactory(Factory[Point]):
        _model = Point
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"x": 1}

    assert PointFactory().build(y=2) == Point(1, 2)
    with pytest.raises(OverrideError, match="did you mean 'y'"):
        PointFactory().build(yy=2)


class Plain:
    """A class whose fields pyfactory cannot read: nothing to check against."""

    def __init__(self, **values: Any) -> None:
        self.values = values


class Row(TypedDict):
    name: str


def test_models_that_take_any_key_are_not_checked() -> None:
    class PlainFactory(Factory[Plain]):
        _model = Plain
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {}

    class RowFactory(Factory[Row]):
        _model = Row
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": "n"}

    class DictRowFactory(RowFactory):
        _model_builder = DictBuilder()

    assert PlainFactory().build(anything=1).values == {"anything": 1}
    assert RowFactory().build(extra=1) == {"name": "n", "extra": 1}
    assert DictRowFactory().build(extra=1) == {"name": "n", "extra": 1}


@dataclasses.dataclass(init=False)
class Flexible:
    name: str

    def __init__(self, name: str = "n", **extra: Any) -> None:
        self.name = name
        self.extra = extra


def test_a_model_whose_own_constructor_takes_any_keyword_is_not_checked() -> None:
    class FlexibleFactory(Factory[Flexible]):
        _model = Flexible
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {}

    assert FlexibleFactory().build(colour="red").extra == {"colour": "red"}


def test_a_builder_of_your_own_that_receives_the_attributes_is_not_checked() -> None:
    class Hashing(ObjectBuilder[Any]):
        def build(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
            attributes["username"] = attributes.pop("raw_name").upper()
            return model(**attributes)

    class HashedUserFactory(UserFactory):
        _model_builder = Hashing()

    assert HashedUserFactory().build(raw_name="ann").username == "ANN"


# ----------------------------------------------------------------- SQLAlchemy


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    posts: Mapped[list[Post]] = relationship(back_populates="author")

    @property
    def display(self) -> str:
        return self.name

    @display.setter
    def display(self, value: str) -> None:
        self.name = value.strip()


class Member(Base):
    """An ``__init__`` of its own, as apps write to hash a password."""

    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    digest: Mapped[str] = mapped_column(String(80))

    def __init__(self, password: str = "", **values: Any) -> None:
        super().__init__(**values)
        self.digest = password[::-1]


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="posts")


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("author{n}")}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": "t", "author": association(AuthorFactory)}


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_sqlalchemy_columns_relationships_and_settable_attributes_are_taken(
    session: Session,
) -> None:
    author = AuthorFactory(session=session).create(display="  Ann  ")
    assert author.name == "Ann"
    post = PostFactory(session=session).create(author=author)
    assert post.author_id == author.id
    plain = PostFactory(session=session).create(author=OMIT, author_id=author.id)
    assert plain.author_id == author.id
    other = Post(title="x", author_id=author.id)
    assert AuthorFactory(session=session).create(posts=[other]).posts == [other]


def test_a_misspelt_sqlalchemy_override_is_refused_before_a_row_is_written(
    session: Session,
) -> None:
    with pytest.raises(OverrideError) as caught:
        PostFactory(session=session).create_batch(2, titel="x")
    assert str(caught.value) == (
        "PostFactory.basic → titel: 'titel' is not a field of Post, a key of the schema or "
        "a trait of PostFactory; did you mean 'title'?"
    )
    assert session.query(Author).count() == 0


def test_a_keyword_of_the_model_s_own_constructor_is_taken(session: Session) -> None:
    class MemberFactory(Factory[Member]):
        _model = Member
        _model_builder = SQLAlchemyBuilder()
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": "ann"}

    assert MemberFactory(session=session).create(password="abc").digest == "cba"
    with pytest.raises(OverrideError, match="did you mean 'password'"):
        MemberFactory(session=session).create(pasword="abc")


def test_an_override_that_is_a_transient_of_its_own_is_not_refused() -> None:
    # It never reaches the model: a value for the schema's fields to read.
    [user] = UserFactory().build_batch(
        1,
        nickname=transient("bo"),
        username=lazy(lambda user: f"user-{user['nickname']}"),
    )
    assert user.username == "user-bo"
