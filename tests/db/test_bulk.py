"""create_batch and acreate_batch on SQLite and PostgreSQL: children that wait to be
written a table at a time, children written early because a field needs them, and the
paths of errors raised when the waiting children are written."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from pyfactory import BuilderError, Factory, association, lazy, many, schema, sequence
from pyfactory.builders import ModelBuilder, Relation
from tests.db import blog, more_models
from tests.db.blog import Author, Comment, Post
from tests.db.more_models import Band, Gig, Owner
from tests.db.spies import Inserts


def extras(fs: dict[str, type[Factory[Any]]]) -> dict[str, type[Factory[Any]]]:
    """Blog factories with the shapes these tests need, over ``fs``'s builder."""

    class UniqueAuthorFactory(fs["Author"]):  # type: ignore[misc, valid-type]
        _get_or_create = ("email",)

    class PostFactory(fs["Post"]):  # type: ignore[misc, valid-type]
        @schema()
        def by_id(self) -> dict[str, Any]:
            # The author is never named: only its id and email reach the post.
            writer = association(fs["Author"])
            return {"title": writer.attribute("email"), "author_id": writer.attribute("id")}

        @schema()
        def signed(self) -> dict[str, Any]:
            writer = association(fs["Author"])
            return {
                "title": writer.callback(lambda a: f"by {a.name} #{a.id}"),
                "author_id": writer.attribute("id"),
            }

        @schema()
        def unique_author(self) -> dict[str, Any]:
            return {"title": sequence("u{n}"), "author": association(UniqueAuthorFactory)}

    class CommentFactory(fs["Comment"]):  # type: ignore[misc, valid-type]
        @schema()
        def on_post(self) -> dict[str, Any]:
            return {"body": sequence("c{n}"), "post": association(PostFactory)}

    return {"Post": PostFactory, "Comment": CommentFactory, "UniqueAuthor": UniqueAuthorFactory}


SYNC = {**blog.SYNC, **extras(blog.SYNC)}
ASYNC = {**blog.ASYNC, **extras(blog.ASYNC)}
MORE_SYNC = more_models.SYNC
MORE_ASYNC = more_models.ASYNC


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def acount(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestPlaceholders:
    def test_attributes_of_a_waiting_child_are_filled_in_when_it_is_written(
        self, engine: Engine, session: Session
    ) -> None:
        """``.attribute("id")`` and ``.attribute("email")`` of an association wait for the
        child's bulk write, then become its key and email; two INSERTs in all."""
        seen = Inserts(engine)
        posts = SYNC["Post"](session=session).create_batch("by_id", 3)
        assert seen.tables == ["author", "post"]
        authors = {a.id: a for a in session.scalars(select(Author))}
        assert len(authors) == 3
        assert [p.title for p in posts] == [authors[p.author_id].email for p in posts]
        assert [p.title for p in posts] == [f"author{n}@example.com" for n in (1, 2, 3)]
        assert all(p.author is authors[p.author_id] for p in posts)

    async def test_attributes_of_a_waiting_child_under_acreate_batch(
        self, async_engine: AsyncEngine, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch: the id and email are filled in after one INSERT of
        authors."""
        seen = Inserts(async_engine.sync_engine)
        posts = await ASYNC["Post"](session=async_session).acreate_batch("by_id", 3)
        assert seen.tables == ["author", "post"]
        authors = {a.id: a for a in (await async_session.scalars(select(Author))).all()}
        assert [p.title for p in posts] == [authors[p.author_id].email for p in posts]
        assert [p.title for p in posts] == [f"author{n}@example.com" for n in (1, 2, 3)]

    def test_a_callback_gets_the_written_child(self, engine: Engine, session: Session) -> None:
        """``.callback(fn)`` needs the real object, so each author is written on its own
        before the posts; the callback and ``.attribute("id")`` share that one author."""
        seen = Inserts(engine)
        posts = SYNC["Post"](session=session).create_batch("signed", 3)
        assert seen.tables == ["author", "author", "author", "post"]
        authors = {a.id: a for a in session.scalars(select(Author))}
        assert sorted(authors) == sorted(p.author_id for p in posts)
        assert [p.title for p in posts] == [
            f"by {authors[p.author_id].name} #{p.author_id}" for p in posts
        ]

    async def test_a_callback_gets_the_written_child_under_acreate_batch(
        self, async_engine: AsyncEngine, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        seen = Inserts(async_engine.sync_engine)
        posts = await ASYNC["Post"](session=async_session).acreate_batch("signed", 3)
        assert seen.tables == ["author", "author", "author", "post"]
        authors = {a.id: a for a in (await async_session.scalars(select(Author))).all()}
        assert sorted(authors) == sorted(p.author_id for p in posts)
        assert [p.title for p in posts] == [
            f"by {authors[p.author_id].name} #{p.author_id}" for p in posts
        ]

    async def test_a_lazy_reading_a_child_under_acreate_batch_gets_it_written_first(
        self, async_engine: AsyncEngine, async_session: AsyncSession
    ) -> None:
        """A lazy field that reads the author's id under acreate_batch awaits that author's
        write, and every post gets its own author's id."""
        seen = Inserts(async_engine.sync_engine)
        posts = await ASYNC["Post"](session=async_session).acreate_batch(
            "basic", 3, title=lazy(lambda a: f"by author {a['author'].id}")
        )
        assert seen.tables == ["author", "author", "author", "post"]
        assert [p.title for p in posts] == [f"by author {p.author_id}" for p in posts]
        assert len({p.author_id for p in posts}) == 3

    def test_a_list_mixing_new_and_given_children(self, engine: Engine, session: Session) -> None:
        """A list holding an association and a ready tag links both: the new tags are
        written in one INSERT, the given one is kept as it is."""
        kept = SYNC["Tag"](session=session).create(name="kept")
        seen = Inserts(engine)
        posts = SYNC["Post"](session=session).create_batch(
            "basic", 2, tags=[association(SYNC["Tag"]), kept]
        )
        assert seen.tables == ["author", "tag", "post", "post_tags"]
        assert [[t.name for t in p.tags] for p in posts] == [["tag1", "kept"], ["tag2", "kept"]]
        session.expire_all()
        assert sorted(t.name for t in session.get(Post, posts[1].id).tags) == ["kept", "tag2"]

    async def test_a_list_mixing_new_and_given_children_under_acreate_batch(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        kept = await ASYNC["Tag"](session=async_session).acreate(name="kept")
        posts = await ASYNC["Post"](session=async_session).acreate_batch(
            "basic", 2, tags=[association(ASYNC["Tag"]), kept]
        )
        assert [[t.name for t in p.tags] for p in posts] == [["tag1", "kept"], ["tag2", "kept"]]
        assert await acount(async_session, blog.post_tags) == 4

    def test_a_child_id_inside_a_json_value(self, session: Session) -> None:
        """A dict value holding ``association(..., attr="id")`` gets the written owner's id
        under create_batch, as it does under create."""
        sheets = MORE_SYNC["Sheet"](session=session)
        one = sheets.create()
        assert one.meta == {"owner_id": session.scalars(select(Owner.id)).one(), "v": 1}
        made = sheets.create_batch(2)
        owner_ids = sorted(session.scalars(select(Owner.id)))
        assert [s.meta for s in made] == [{"owner_id": i, "v": 1} for i in owner_ids[1:]]

    async def test_a_child_id_inside_a_json_value_under_acreate_batch(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        made = await MORE_ASYNC["Sheet"](session=async_session).acreate_batch(2)
        owner_ids = sorted((await async_session.scalars(select(Owner.id))).all())
        assert [s.meta for s in made] == [{"owner_id": i, "v": 1} for i in owner_ids]


class TestWaitingChildren:
    def test_get_or_create_children_are_found_one_by_one(
        self, engine: Engine, session: Session
    ) -> None:
        """A child factory with _get_or_create is not written in bulk: each post looks its
        author up, so the batch makes one author and three posts."""
        seen = Inserts(engine)
        posts = SYNC["Post"](session=session).create_batch(
            "unique_author", 3, author__email="ada@example.com"
        )
        assert seen.tables == ["author", "post"]
        assert count(session, Author) == 1
        assert posts[0].author is posts[1].author is posts[2].author
        assert posts[0].author.email == "ada@example.com"

    async def test_get_or_create_children_under_acreate_batch(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        posts = await ASYNC["Post"](session=async_session).acreate_batch(
            "unique_author", 3, author__email="ada@example.com"
        )
        assert await acount(async_session, Author) == 1
        assert posts[0].author is posts[1].author is posts[2].author

    def test_children_of_a_plain_schema(self, engine: Engine, session: Session) -> None:
        """Children whose schema has no special field are still one row each, in one
        INSERT."""
        seen = Inserts(engine)
        gigs = MORE_SYNC["Gig"](session=session).create_batch("house", 3)
        assert seen.tables == ["band", "gig"]
        assert [g.band.name for g in gigs] == ["house band"] * 3
        assert len({g.band_id for g in gigs}) == 3
        assert [g.city for g in gigs] == ["town 1", "town 2", "town 3"]

    async def test_children_of_a_plain_schema_under_acreate_batch(
        self, async_engine: AsyncEngine, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        seen = Inserts(async_engine.sync_engine)
        gigs = await MORE_ASYNC["Gig"](session=async_session).acreate_batch("house", 3)
        assert seen.tables == ["band", "gig"]
        assert len({g.band_id for g in gigs}) == 3
        assert await acount(async_session, Band) == 3

    def test_a_waiting_child_gets_its_own_children(self, engine: Engine, session: Session) -> None:
        """A band made for each gig gets the two gigs of its own schema, written in one
        INSERT after the bands."""
        seen = Inserts(engine)
        gigs = MORE_SYNC["Gig"](session=session).create_batch("touring", 2)
        assert seen.tables == ["band", "gig", "gig"]
        assert count(session, Gig) == 6
        own = [sorted(g.city for g in gig.band.gigs if g is not gig) for gig in gigs]
        assert own == [["city 1", "city 2"], ["city 3", "city 4"]]
        session.expire_all()
        stored = [sorted(g.city for g in gig.band.gigs) for gig in gigs]
        assert stored == [["Oslo", "city 1", "city 2"], ["Oslo", "city 3", "city 4"]]

    async def test_a_waiting_child_gets_its_own_children_under_acreate_batch(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        gigs = await MORE_ASYNC["Gig"](session=async_session).acreate_batch("touring", 2)
        assert await acount(async_session, Gig) == 6
        assert [sorted(g.city for g in gig.band.gigs if g is not gig) for gig in gigs] == [
            ["city 1", "city 2"],
            ["city 3", "city 4"],
        ]

    def test_the_batch_row_joins_its_parent_collection(self, session: Session) -> None:
        """As under create, the gig of the batch is in its band's ``gigs`` next to the two
        gigs the band was made with."""
        one = MORE_SYNC["Gig"](session=session).create("touring")
        assert sorted(g.city for g in one.band.gigs) == ["Oslo", "city 1", "city 2"]
        made = MORE_SYNC["Gig"](session=session).create_batch("touring", 2)
        assert [sorted(g.city for g in gig.band.gigs) for gig in made] == [
            ["Oslo", "city 3", "city 4"],
            ["Oslo", "city 5", "city 6"],
        ]

    def test_hooks_of_a_waiting_child_run_once_it_exists(self, session: Session) -> None:
        """The post made for each comment runs its after-create hook with its id set."""
        seen: list[int] = []
        comments = SYNC["Comment"](session=session, seen=seen).create_batch("on_post", 3)
        assert seen == [c.post.id for c in comments]
        assert all(c.post_id == c.post.id for c in comments)

    def test_a_sync_builder_under_acreate_batch_writes_in_bulk(
        self, engine: Engine, session: Session
    ) -> None:
        """acreate_batch over the synchronous builder writes each table with one INSERT, as
        create_batch does."""
        seen = Inserts(engine)
        posts = asyncio.run(SYNC["Post"](session=session).acreate_batch("basic", 5))
        assert len({p.author_id for p in posts}) == 5
        assert seen.tables == ["author", "post"]


class TestTopLevelRules:
    def test_build_batch_makes_one_to_many_children_after_each_parent(
        self, session: Session
    ) -> None:
        """build_batch builds each post's comments after it, pointing at it, and writes
        nothing."""
        posts = SYNC["Post"](session=session).build_batch("full", 2)
        assert [[c.body for c in p.comments] for p in posts] == [
            ["comment 1", "comment 2"],
            ["comment 3", "comment 4"],
        ]
        assert all(c.post is p for p in posts for c in p.comments)
        assert (count(session, Post), count(session, Comment)) == (0, 0)

    def test_found_rows_of_a_batch_run_no_hooks(self, session: Session) -> None:
        """A _get_or_create batch returns the found post as it is and runs the after-create
        hook only for the post it writes."""

        class UniquePostFactory(SYNC["Post"]):  # type: ignore[misc, valid-type]
            _get_or_create = ("title",)

        seen: list[int] = []
        posts = UniquePostFactory(session=session, seen=seen)
        first = posts.create(title="t1")
        titles = iter(["t1", "t2"])
        made = posts.create_batch(2, title=lazy(lambda a: next(titles)))
        assert made[0] is first
        assert made[1].title == "t2"
        assert seen == [first.id, made[1].id]

    async def test_found_rows_of_acreate_batch_run_no_hooks(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""

        class UniquePostFactory(ASYNC["Post"]):  # type: ignore[misc, valid-type]
            _get_or_create = ("title",)

        seen: list[int] = []
        posts = UniquePostFactory(session=async_session, seen=seen)
        first = await posts.acreate(title="t1")
        titles = iter(["t1", "t2"])
        made = await posts.acreate_batch(2, title=lazy(lambda a: next(titles)))
        assert made[0] is first
        assert seen == [first.id, made[1].id]


class TestErrorsAtWriteTime:
    def test_a_waiting_child_that_fails_names_its_parent_and_field(self, session: Session) -> None:
        """Authors that break NOT NULL when written in bulk raise with the path of the
        association that made them, and the call leaves nothing behind."""
        with pytest.raises(
            BuilderError,
            match=r"^PostFactory\.basic → author \(AuthorFactory\.basic\): create_batch\(\) "
            r"failed on this row, the 1st of 3 AuthorFactory rows written together: "
            r"SQLAlchemyBuilder\.create_many\(Author\) raised IntegrityError\(",
        ) as caught:
            SYNC["Post"](session=session).create_batch(3, author__email=None)
        assert [row["email"] for row in caught.value.rows] == [None, None, None]
        assert isinstance(caught.value.__cause__, IntegrityError)
        assert (count(session, Author), count(session, Post)) == (0, 0)
        assert SYNC["Post"](session=session).create().id is not None

    async def test_a_waiting_child_that_fails_under_acreate_batch(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        with pytest.raises(
            BuilderError,
            match=r"^PostFactory\.basic → author \(AuthorFactory\.basic\): acreate_batch\(\) "
            r"failed on this row, the 1st of 3 AuthorFactory rows written together: "
            r"AsyncSQLAlchemyBuilder\.acreate_many\(Author\) raised IntegrityError\(",
        ) as caught:
            await ASYNC["Post"](session=async_session).acreate_batch(3, author__email=None)
        assert len(caught.value.rows) == 3
        assert await acount(async_session, Author) == 0

    def test_children_made_after_the_rows_that_fail(self, session: Session) -> None:
        """Comments written after their posts name the post's schema and the comment."""
        with pytest.raises(
            BuilderError,
            match=r"^PostFactory\.full → comments\[0\] \(CommentFactory\.basic\): "
            r"create_batch\(\) failed on this row, the 1st of 4 CommentFactory rows written "
            r"together: SQLAlchemyBuilder\.create_many\(Comment\) raised IntegrityError\(",
        ):
            SYNC["Post"](session=session).create_batch("full", 2, comments__body=None)
        assert (count(session, Post), count(session, Comment)) == (0, 0)

    def test_a_grandchild_that_fails_has_the_whole_path(self, session: Session) -> None:
        """An author two levels down that fails when written has the same path as under
        create: comment → post → author."""
        comments = SYNC["Comment"](session=session)
        path = (
            r"^CommentFactory\.on_post → post \(PostFactory\.basic\) → "
            r"author \(AuthorFactory\.basic\): "
        )
        with pytest.raises(BuilderError, match=path + r"SQLAlchemyBuilder\.create\(Author\)"):
            comments.create("on_post", post__author__email=None)
        in_batch = r"create_batch\(\) failed on this row, the 1st of 2 AuthorFactory rows [^:]*: "
        with pytest.raises(
            BuilderError, match=path + in_batch + r"SQLAlchemyBuilder\.create_many\(Author\)"
        ):
            comments.create_batch("on_post", 2, post__author__email=None)

    async def test_a_grandchild_that_fails_has_the_whole_path_under_acreate_batch(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        with pytest.raises(
            BuilderError,
            match=r"^CommentFactory\.on_post → post \(PostFactory\.basic\) → author "
            r"\(AuthorFactory\.basic\): acreate_batch\(\) failed on this row, the 1st of 2 "
            r"AuthorFactory rows written together: AsyncSQLAlchemyBuilder\.acreate_many\(Author\)",
        ):
            await ASYNC["Comment"](session=async_session).acreate_batch(
                "on_post", 2, post__author__email=None
            )

    def test_a_child_written_early_that_fails_has_the_path_of_create(
        self, session: Session
    ) -> None:
        """An author written early for a lazy field, that then fails, has the path create
        gives: the post's author, not the lazy field. (A lazy field may query, so the
        batch's first row is resolved as create() resolves one: its error is create's.)"""
        posts = SYNC["Post"](session=session)
        reads = lazy(lambda a: a["author"].name)
        with pytest.raises(BuilderError) as one:
            posts.create(title=reads, author__email=None)
        with pytest.raises(BuilderError) as batch:
            posts.create_batch(2, title=reads, author__email=None)
        assert one.value.path == "PostFactory.basic → author (AuthorFactory.basic)"
        assert batch.value.path == one.value.path
        assert batch.value.reason.startswith(
            "SQLAlchemyBuilder.create(Author) raised IntegrityError("
        )
        assert batch.value.attributes["email"] is None


class Shelf:
    def __init__(
        self, name: str, books: list[Book] | None = None, cover: Book | None = None
    ) -> None:
        self.name = name
        self.books = books or []
        self.cover = cover


class Book:
    def __init__(self, title: str) -> None:
        self.title = title


class LinkingBuilder(ModelBuilder[Any]):
    """A builder whose ``books`` rows meet their shelf in a link table: made after the
    shelf, with no overrides pointing back, then linked; it records the order."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def create(self, model: type[Any], attributes: dict[str, Any], context: Any) -> Any:
        obj = model(**attributes)
        self.made.append(getattr(obj, "name", None) or obj.title)
        return obj

    def relation(self, model: type[Any], name: str) -> Relation | None:
        if name == "books":
            return Relation("link")
        return super().relation(model, name)


class TestLinkRelation:
    """A ``Relation("link")`` from a custom builder, with no database behind it."""

    @staticmethod
    def factories(
        builder: LinkingBuilder | None = None,
    ) -> tuple[LinkingBuilder, type[Factory[Shelf]]]:
        builder = builder or LinkingBuilder()

        class BookFactory(Factory[Book]):
            _model = Book
            _model_builder = builder

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"title": sequence("book {n}")}

        class ShelfFactory(Factory[Shelf]):
            _model = Shelf
            _model_builder = builder

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": sequence("shelf {n}"), "books": many(BookFactory, "basic", count=2)}

            @schema()
            def covered(self) -> dict[str, Any]:
                return {**self.schema("basic"), "cover": association(BookFactory, "basic")}

        return builder, ShelfFactory

    def test_create_links_rows_made_after_the_object(self) -> None:
        """create makes the shelf, then its books, then sets them with the default link."""
        builder, shelves = self.factories()
        shelf = shelves().create("basic")
        assert builder.made == ["shelf 1", "book 1", "book 2"]
        assert [b.title for b in shelf.books] == ["book 1", "book 2"]

    def test_a_field_the_builder_says_nothing_of_is_made_first(self) -> None:
        """The cover, which the builder's relation() leaves to the default, is made before
        the shelf and handed to it; the books still come after."""
        builder, shelves = self.factories()
        shelf = shelves().create("covered")
        assert builder.made == ["book 1", "shelf 1", "book 2", "book 3"]
        assert shelf.cover is not None
        assert shelf.cover.title == "book 1"
        assert [b.title for b in shelf.books] == ["book 2", "book 3"]

    def test_create_batch_links_rows_made_after_the_objects(self) -> None:
        """create_batch makes every shelf, then every book, then links each shelf's own."""
        builder, shelves = self.factories()
        made = shelves().create_batch("basic", 2)
        assert builder.made == ["shelf 1", "shelf 2", "book 1", "book 2", "book 3", "book 4"]
        assert [[b.title for b in s.books] for s in made] == [
            ["book 1", "book 2"],
            ["book 3", "book 4"],
        ]

    def test_a_failing_link_names_the_factory_and_keeps_the_cause(self) -> None:
        """A builder whose link() raises gives a BuilderError with the object's path, the
        rows it was linking and the original error, under create and create_batch."""

        class SmallShelves(LinkingBuilder):
            def link(self, instance: Any, name: str, related: list[Any], context: Any) -> None:
                raise ValueError(f"{instance.name} holds one book, not {len(related)}")

        message = (
            r"^ShelfFactory\.basic: SmallShelves\.link\(Shelf\) raised "
            r"ValueError\('shelf 1 holds one book, not 2'\)$"
        )
        _, shelves = self.factories(SmallShelves())
        with pytest.raises(BuilderError, match=message) as one:
            shelves().create("basic")
        _, shelves = self.factories(SmallShelves())
        with pytest.raises(BuilderError, match=message) as batch:
            shelves().create_batch("basic", 2)
        for caught in (one, batch):
            assert [b.title for b in caught.value.attributes["books"]] == ["book 1", "book 2"]
            assert isinstance(caught.value.__cause__, ValueError)
