# fmt: off
# ruff: noqa: E501, F821
"""The SQLAlchemy page's pattern under mypy --strict: one set of factories on
SQLAlchemyBuilder, written through a Session under create and through an
AsyncSession under acreate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import Factory, association, schema, sequence
from pyfactory.builders import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
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
    _model_builder = SQLAlchemyBuilder(persistence="commit")
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": sequence("Post {n}"), "author": association(AuthorFactory)}


class AsyncOnlyAuthorFactory(AuthorFactory):
    """The second set of factories of earlier versions: no longer needed, still typed."""

    _model_builder = AsyncSQLAlchemyBuilder()


def sync_code(session: Session) -> None:
    posts = PostFactory(session=session)
    reveal_type(posts.create())  # N: Revealed type is "sqlalchemy_one_factory.Post"
    reveal_type(posts.create_batch(3))  # N: Revealed type is "list[sqlalchemy_one_factory.Post]"
    reveal_type(posts.insert_batch(3))  # N: Revealed type is "int"


async def async_code(session: AsyncSession) -> None:
    posts = PostFactory(session=session)
    reveal_type(await posts.acreate())  # N: Revealed type is "sqlalchemy_one_factory.Post"
    reveal_type(await posts.acreate_batch(3))  # N: Revealed type is "list[sqlalchemy_one_factory.Post]"
    reveal_type(await posts.ainsert_batch(3))  # N: Revealed type is "int"
    author: Author = await AsyncOnlyAuthorFactory(session=session).acreate()
    print(author.name)
