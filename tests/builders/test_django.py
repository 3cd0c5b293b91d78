"""DjangoBuilder against real databases: SQLite (the ``default`` alias) and PostgreSQL
(the ``postgres`` alias, when ``PYFACTORY_TEST_POSTGRES_URL`` is set).

The models are in ``tests/django_app``; pytest-django makes the test databases. Each
test that writes takes the alias as ``using`` and gives it to its factories as the
context's ``using`` key.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, connections
from django.db.models.signals import m2m_changed, post_save
from django.test.utils import CaptureQueriesContext

from pyfactory import (
    BuilderError,
    Context,
    Factory,
    FactoryDefinitionError,
    HookError,
    OverrideError,
    UsageError,
    after,
    association,
    many,
    schema,
    sequence,
    trait,
)
from pyfactory.builders.django import DjangoBuilder, unsaved_related
from tests.django_app.models import (
    Author,
    Comment,
    Person,
    Place,
    Post,
    Profile,
    Restaurant,
    Slugged,
    Tag,
)

POSTGRES_HOW = (
    "PostgreSQL tests need PYFACTORY_TEST_POSTGRES_URL=postgresql://user@host:port/db; "
    "`bash .ci/run` starts a throwaway server and sets it"
)
HAS_POSTGRES = "postgres" in connections.settings


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(autouse=True)
def _postgres_required(request: pytest.FixtureRequest) -> None:
    """Under CI a PostgreSQL run without a server fails instead of skipping."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("using") == "postgres" and not HAS_POSTGRES:
        pytest.fail(
            "PYFACTORY_TEST_POSTGRES_URL is not set, and CI must never skip the PostgreSQL "
            "tests. Run the suite through `bash .ci/run`, which starts a server and sets it.",
            pytrace=False,
        )


def aliases(**db: Any) -> list[Any]:
    """The ``using`` parameters: SQLite always; PostgreSQL when configured, else a skip
    (a failure under CI, see above). ``db`` goes to each run's ``django_db`` mark."""
    postgres_marks: Any = ()
    if HAS_POSTGRES:
        postgres_marks = pytest.mark.django_db(databases=["default", "postgres"], **db)
    elif not _in_ci():
        postgres_marks = pytest.mark.skip(reason=POSTGRES_HOW)
    return [
        pytest.param("default", marks=pytest.mark.django_db(**db), id="sqlite"),
        pytest.param("postgres", marks=postgres_marks, id="postgres"),
    ]


ALIASES = aliases()
# Async code runs the ORM in another thread, outside the test's own transaction.
ASYNC_ALIASES = aliases(transaction=True)


@pytest.fixture
async def _close_thread_connections() -> AsyncIterator[None]:
    """Close the connections that sync_to_async opened in Django's thread, so that the
    test database can be dropped at the end."""
    yield
    await sync_to_async(connections.close_all)()


def inserts(queries: CaptureQueriesContext) -> list[str]:
    """The tables of the INSERT statements captured, in order."""
    tables = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.startswith("INSERT INTO"):
            tables.append(sql.split()[2].strip('"'))
    return tables


# ---------------------------------------------------------------- factories


class DjangoFactory(Factory[Any]):
    _abstract = True
    _model_builder = DjangoBuilder()
    _default_schema = "basic"


class AuthorFactory(DjangoFactory, Factory[Author]):
    _model = Author

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann", "email": sequence("author{n}@example.com")}

    @trait()
    def with_profile(self) -> dict[str, Any]:
        return {"profile": association(ProfileFactory)}

    @trait()
    def with_posts(self) -> dict[str, Any]:
        return {"posts": many(PostFactory, count=2)}


class ProfileFactory(DjangoFactory, Factory[Profile]):
    _model = Profile

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"author": association(AuthorFactory), "bio": "Writes things."}


class TagFactory(DjangoFactory, Factory[Tag]):
    _model = Tag

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("tag{n}")}


class PostFactory(DjangoFactory, Factory[Post]):
    _model = Post

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": sequence("post {n}"), "author": association(AuthorFactory)}

    @trait()
    def tagged(self) -> dict[str, Any]:
        return {"tags": many(TagFactory, count=3)}

    @trait()
    def commented(self) -> dict[str, Any]:
        return {"comment_set": many(CommentFactory, count=2)}


class CommentFactory(DjangoFactory, Factory[Comment]):
    _model = Comment

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"post": association(PostFactory), "body": "Nice."}


class PersonFactory(DjangoFactory, Factory[Person]):
    _model = Person

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("person {n}")}


class SluggedFactory(DjangoFactory, Factory[Slugged]):
    _model = Slugged

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": sequence("Hello World {n}")}


class RestaurantFactory(DjangoFactory, Factory[Restaurant]):
    _model = Restaurant

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("Luigi's {n}"), "serves_pizza": True}


# ---------------------------------------------------------------- create


@pytest.mark.parametrize("using", ALIASES)
class TestCreate:
    def test_foreign_key_parent_is_created_first(self, using: str) -> None:
        """An association on a ForeignKey creates the parent first and the row points at it."""
        with CaptureQueriesContext(connections[using]) as queries:
            post = PostFactory(using=using).create()
        assert inserts(queries) == ["django_app_author", "django_app_post"]
        assert post.pk is not None
        assert post.author.pk is not None
        stored = Post.objects.using(using).get(pk=post.pk)
        assert stored.author_id == post.author.pk
        assert stored._state.db == using

    def test_many_on_reverse_foreign_key_makes_children_after_the_parent(self, using: str) -> None:
        """many() on a reverse ForeignKey creates the children after the parent, each
        pointing at it, and makes no parent of its own for them."""
        with CaptureQueriesContext(connections[using]) as queries:
            post = PostFactory(using=using).create("basic", "commented")
        assert inserts(queries) == [
            "django_app_author",
            "django_app_post",
            "django_app_comment",
            "django_app_comment",
        ]
        comments = list(post.comment_set.all())
        assert len(comments) == 2
        assert all(c.post_id == post.pk for c in comments)
        assert Post.objects.using(using).count() == 1

    def test_many_on_a_many_to_many_field(self, using: str) -> None:
        """many() on a ManyToManyField creates the tags, then links them to the post."""
        post = PostFactory(using=using).create("basic", "tagged")
        assert sorted(post.tags.values_list("name", flat=True)) == ["tag1", "tag2", "tag3"]
        assert Tag.objects.using(using).get(name="tag1").posts.get() == post

    def test_many_on_a_reverse_many_to_many(self, using: str) -> None:
        """many() on the reverse side of a ManyToManyField (``tag.posts``) links the same way."""
        tag = TagFactory(using=using).create(posts=many(PostFactory, count=2))
        assert tag.posts.count() == 2
        assert all(list(p.tags.all()) == [tag] for p in tag.posts.all())

    def test_ready_objects_for_many_to_many_and_reverse_relations(self, using: str) -> None:
        """Existing rows given as values are linked: tags added, comments moved to the post."""
        tags = TagFactory(using=using).create_batch(2)
        other = PostFactory(using=using).create("basic", "commented")
        comments = list(other.comment_set.all())
        post = PostFactory(using=using).create(tags=[*tags, tags[0].pk], comment_set=comments)
        assert list(post.tags.order_by("name")) == tags
        assert set(post.comment_set.all()) == set(comments)
        assert comments[0].post is post
        assert other.comment_set.count() == 0

    def test_association_on_a_reverse_one_to_one(self, using: str) -> None:
        """association() on a reverse OneToOneField creates the profile after the author;
        the author holds it without another query."""
        author = AuthorFactory(using=using).create("basic", "with_profile")
        with CaptureQueriesContext(connections[using]) as queries:
            profile = author.profile
        assert not queries.captured_queries
        assert profile.author_id == author.pk
        assert Profile.objects.using(using).get().author == author
        assert Author.objects.using(using).count() == 1

    def test_ready_object_for_a_reverse_one_to_one(self, using: str) -> None:
        """An existing profile given to a new author is moved to it."""
        old = AuthorFactory(using=using).create("basic", "with_profile")
        profile = old.profile
        author = AuthorFactory(using=using).create(profile=profile)
        assert profile.author is author
        assert Profile.objects.using(using).get().author_id == author.pk
        assert not Profile.objects.using(using).filter(author=old).exists()

    def test_many_on_reverse_foreign_key_of_a_foreign_key(self, using: str) -> None:
        """many() on ``author.posts`` gives each post the author, not an author of its own."""
        author = AuthorFactory(using=using).create("basic", "with_posts")
        assert author.posts.count() == 2
        assert Author.objects.using(using).count() == 1

    def test_symmetrical_many_to_many_links_both_ways(self, using: str) -> None:
        """A symmetrical ManyToManyField to itself is linked in both directions."""
        bob = PersonFactory(using=using).create(name="Bob")
        ann = PersonFactory(using=using).create(name="Ann", friends=[bob])
        assert list(bob.friends.all()) == [ann]
        assert list(ann.friends.all()) == [bob]

    def test_empty_values_link_nothing(self, using: str) -> None:
        """None or an empty list for a related value links nothing and writes no link row."""
        with CaptureQueriesContext(connections[using]) as queries:
            author = AuthorFactory(using=using).create(profile=None, posts=[])
            PostFactory(using=using).create(author=author, tags=None, comment_set=())
        assert inserts(queries) == ["django_app_author", "django_app_post"]
        assert not Profile.objects.using(using).exists()

    def test_unsaved_object_for_a_reverse_one_to_one_is_saved(self, using: str) -> None:
        """An unsaved profile given to a new author is saved pointing at it."""
        author = AuthorFactory(using=using).create(profile=Profile(bio="New."))
        assert Profile.objects.using(using).get().author_id == author.pk

    def test_save_runs(self, using: str) -> None:
        """create() goes through Model.save(), so an overridden save() does its work."""
        assert SluggedFactory(using=using).create().slug == "hello-world-1"

    def test_default_alias_when_the_context_has_none(self, using: str) -> None:
        """Without ``using`` in the context the builder writes to the ``default`` database."""
        tag = TagFactory().create()
        assert tag._state.db == "default"
        assert Tag.objects.using("default").filter(pk=tag.pk).exists()

    def test_unsaved_value_is_refused(self, using: str) -> None:
        """An unsaved object among many-to-many values fails with Django's own message."""
        with pytest.raises(BuilderError) as info:
            PostFactory(using=using).create(tags=[Tag(name="new")])
        assert str(info.value).startswith(
            "PostFactory.basic: DjangoBuilder.create(Post) raised ValueError("
        )
        assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize("using", ALIASES)
class TestRelationNames:
    def test_a_reverse_relation_named_other_than_its_accessor(self, using: str) -> None:
        """``comments`` for ``post.comment_set`` in a schema is refused before any row is
        made (it used to reach the comment table as a NOT NULL error), naming the accessor."""

        class Misnamed(PostFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {**super().attributes("basic"), "comments": many(CommentFactory, count=2)}

        with pytest.raises(FactoryDefinitionError) as info:
            Misnamed(using=using).create()
        assert str(info.value) == (
            "Misnamed.basic → comments: Post has no field or reverse relation "
            "'comments' (did you mean 'comment_set'?); its reverse relations (by accessor) "
            "are: comment_set; its fields are: author, id, published, tags, title"
        )
        assert Post.objects.using(using).count() == 0
        assert Comment.objects.using(using).count() == 0

    def test_as_an_override_it_is_an_override_error(self, using: str) -> None:
        """Given as an override, the same name is refused by the override check first,
        which offers the accessor too."""
        with pytest.raises(OverrideError) as info:
            PostFactory(using=using).create(comments=many(CommentFactory, count=2))
        assert "did you mean 'comment_set'" in str(info.value)
        assert str(info.value).startswith("PostFactory.basic → comments: ")
        assert Post.objects.using(using).count() == 0

    def test_a_related_name_is_the_accessor(self, using: str) -> None:
        """``post_set`` where the ForeignKey's related_name is ``posts`` suggests ``posts``."""

        class Misnamed(AuthorFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {**super().attributes("basic"), "post_set": many(PostFactory)}

        with pytest.raises(FactoryDefinitionError) as info:
            Misnamed(using=using).create_batch(2)
        assert str(info.value).startswith(
            "Misnamed.basic → post_set: Author has no field or reverse relation "
            "'post_set' (did you mean 'posts'?); its reverse relations (by accessor) are: "
            "posts, profile; its fields are: email, id, name"
        )
        assert Author.objects.using(using).count() == 0

    def test_the_query_name_of_a_reverse_relation(self, using: str) -> None:
        """``comment``, the name Django's queries use, is told apart from the accessor."""

        class Misnamed(PostFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {**super().attributes("basic"), "comment": many(CommentFactory)}

        with pytest.raises(FactoryDefinitionError) as info:
            Misnamed(using=using).build()
        assert str(info.value).startswith(
            "Misnamed.basic → comment: 'comment' is the query name of Post's reverse "
            "relation from Comment.post; a factory names it by its accessor, 'comment_set'"
        )

    def test_the_accessors_work(self, using: str) -> None:
        """The accessors themselves, and a forward foreign key, are taken as before."""
        author = AuthorFactory(using=using).create(posts=many(PostFactory, count=2))
        assert author.posts.count() == 2
        post = PostFactory(using=using).create("commented")
        assert post.comment_set.count() == 2


@pytest.mark.django_db
class TestAlias:
    def test_unknown_alias_is_a_clear_error(self) -> None:
        """A ``using`` that names no database raises UsageError listing the aliases."""
        have = ", ".join(repr(a) for a in connections.settings)
        with pytest.raises(UsageError) as info:
            TagFactory(using="nope").create()
        assert str(info.value) == (
            "TagFactory.basic: TagFactory was given using='nope', but settings.DATABASES "
            f"has no such database; its aliases are: {have}"
        )

    @pytest.mark.parametrize(("given", "shown"), [(None, "None (NoneType)"), (3, "3 (int)")])
    @pytest.mark.parametrize("call", ["create", "create_batch"])
    def test_an_alias_that_is_not_a_string(self, given: Any, shown: str, call: str) -> None:
        """``using=None`` is reported as not a database alias, with the factory's path and
        the aliases there are, instead of an error from inside Django."""
        have = ", ".join(repr(a) for a in connections.settings)
        with pytest.raises(UsageError) as info:
            getattr(TagFactory(using=given), call)(*([2] if call == "create_batch" else []))
        assert str(info.value) == (
            f"TagFactory.basic: the context's using is {shown}, which is not a database "
            "alias: DjangoBuilder takes the name of a database of settings.DATABASES, a "
            f"string; its aliases are: {have}"
        )

    def test_unknown_alias_in_a_child_names_the_path(self) -> None:
        """Raised under a parent's create, the error says which field's child it was."""
        with pytest.raises(UsageError) as info:
            PostFactory().create(author=association(AuthorFactory(using="nope")))
        assert str(info.value).startswith(
            "PostFactory.basic → author (AuthorFactory.basic): AuthorFactory was given using='nope'"
        )

    def test_bulk_option_is_checked(self) -> None:
        """A bulk mode other than auto, always or never is refused when the builder is made."""
        with pytest.raises(FactoryDefinitionError) as info:
            DjangoBuilder(bulk="sometimes")  # type: ignore[arg-type]
        assert str(info.value) == (
            "DjangoBuilder bulk is 'auto', 'always' or 'never', not 'sometimes'"
        )
        assert repr(DjangoBuilder()) == "DjangoBuilder(bulk='auto')"


class TestRelations:
    def test_what_the_builder_says_of_each_field(self) -> None:
        """Reverse foreign keys and one-to-ones come after the object; the rest do not."""
        builder = DjangoBuilder[Any]()
        for model, name, field in [(Post, "comment_set", "post"), (Author, "profile", "author")]:
            relation = builder.relation(model, name)
            assert relation is not None
            assert relation.kind == "children"
            assert relation.back is not None
            assert relation.back("parent") == {field: "parent"}
        assert builder.relation(Post, "tags") is None
        assert builder.relation(Tag, "posts") is None
        assert builder.relation(Post, "author") is None
        assert builder.relation(Post, "title") is None
        assert builder.relation(dict, "anything") is None

    @pytest.mark.django_db
    def test_link_drops_a_stale_prefetched_set(self) -> None:
        """link() forgets a prefetched set of the relation, so the next read queries."""
        PostFactory().create("basic", "commented")
        post = Post.objects.prefetch_related("comment_set").get()
        extra = CommentFactory().create(post=post)
        DjangoBuilder[Any]().link(post, "comment_set", [extra], Context())
        assert post.comment_set.count() == 3


def test_missing_django_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Django, importing the builder says which extra to install."""
    monkeypatch.setitem(sys.modules, "django.db", None)
    monkeypatch.delitem(sys.modules, "pyfactory.builders.django")
    with pytest.raises(ImportError) as info:
        importlib.import_module("pyfactory.builders.django")
    assert str(info.value) == (
        "pyfactory.builders.django needs Django: pip install 'pyfactory-schema[django]'"
    )
    assert isinstance(info.value.__cause__, ImportError)


# ---------------------------------------------------------------- create_batch


@pytest.mark.parametrize("using", ALIASES)
class TestCreateBatch:
    def test_one_insert_per_table(self, using: str) -> None:
        """A batch of posts that each need a new author writes two INSERTs, authors then
        posts, inside one savepoint; every object has its key and its own author."""
        with CaptureQueriesContext(connections[using]) as queries:
            posts = PostFactory(using=using).create_batch(20)
        assert inserts(queries) == ["django_app_author", "django_app_post"]
        # Two INSERTs and the savepoint around them; nothing else.
        assert len(queries.captured_queries) == 4
        assert all(p.pk is not None and p.author.pk is not None for p in posts)
        assert len({p.author.pk for p in posts}) == 20
        assert Post.objects.using(using).count() == 20
        stored = dict(Post.objects.using(using).values_list("pk", "author_id"))
        assert stored == {p.pk: p.author.pk for p in posts}
        assert [p.title for p in posts] == [f"post {n}" for n in range(1, 21)]

    def test_many_to_many_links_in_one_insert(self, using: str) -> None:
        """Tags of every post go in one INSERT, and their links in one more."""
        with CaptureQueriesContext(connections[using]) as queries:
            posts = PostFactory(using=using).create_batch(5, "tagged")
        assert sorted(inserts(queries)) == [
            "django_app_author",
            "django_app_post",
            "django_app_post_tags",
            "django_app_tag",
        ]
        for n, post in enumerate(posts):
            names = [f"tag{3 * n + i}" for i in (1, 2, 3)]
            assert sorted(post.tags.values_list("name", flat=True)) == names

    def test_reverse_foreign_key_children_in_one_insert(self, using: str) -> None:
        """The comments of every post of a batch go in one INSERT after the posts."""
        with CaptureQueriesContext(connections[using]) as queries:
            posts = PostFactory(using=using).create_batch(4, "commented")
        assert inserts(queries) == ["django_app_author", "django_app_post", "django_app_comment"]
        for post in posts:
            assert post.comment_set.count() == 2
        assert Post.objects.using(using).count() == 4

    def test_rows_with_different_keys(self, using: str) -> None:
        """create_many takes rows that name different fields, in one INSERT per table."""
        author = AuthorFactory(using=using).create()
        tag = TagFactory(using=using).create()
        rows: list[dict[str, Any]] = [
            {"title": "a", "author": author},
            {"title": "b", "author_id": author.pk, "published": True, "tags": [tag]},
            {"title": "c", "author": author, "tags": []},
        ]
        with CaptureQueriesContext(connections[using]) as queries:
            posts = DjangoBuilder().create_many(Post, rows, Context({"using": using}))
        assert inserts(queries) == ["django_app_post", "django_app_post_tags"]
        assert [(p.title, p.published) for p in posts] == [("a", False), ("b", True), ("c", False)]
        assert [list(p.tags.all()) for p in posts] == [[], [tag], []]

    def test_symmetrical_links_in_bulk(self, using: str) -> None:
        """A batch writes a symmetrical link both ways, in one INSERT."""
        bob = PersonFactory(using=using).create(name="Bob")
        with CaptureQueriesContext(connections[using]) as queries:
            made = PersonFactory(using=using).create_batch(2, friends=[bob, bob.pk])
        assert inserts(queries) == ["django_app_person", "django_app_person_friends"]
        assert set(bob.friends.all()) == set(made)
        assert all(list(p.friends.all()) == [bob] for p in made)

    def test_unsaved_value_in_a_batch_is_refused(self, using: str) -> None:
        """An unsaved object among a batch's many-to-many values says what to do."""
        author = AuthorFactory(using=using).create()
        rows: list[dict[str, Any]] = [{"title": "a", "author": author, "tags": [Tag(name="x")]}]
        with pytest.raises(
            ValueError,
            match=r"^Post.tags was given <Tag: Tag object \(None\)>, "
            r"which is not saved; create it first$",
        ):
            DjangoBuilder().create_many(Post, rows, Context({"using": using}))

    def test_database_without_bulk_keys(self, using: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Where a bulk INSERT cannot return keys (MySQL), rows are created one by one."""
        features = type(connections[using].features)
        monkeypatch.setattr(features, "can_return_rows_from_bulk_insert", False)
        with CaptureQueriesContext(connections[using]) as queries:
            tags = TagFactory(using=using).create_batch(2)
        assert inserts(queries) == ["django_app_tag"] * 2
        assert all(t.pk for t in tags)

    def test_hooks_run_after_the_rows_exist(self, using: str) -> None:
        """An after-create hook sees every object of the batch stored, key and links set."""
        seen = []

        class HookedFactory(PostFactory):
            @after("create")
            def check(self, post: Post, attrs: Any) -> None:
                stored = Post.objects.using(using).filter(pk=post.pk).exists()
                seen.append((stored, post.tags.count(), post.comment_set.count()))

        HookedFactory(using=using).create_batch(3, "tagged", "commented")
        assert seen == [(True, 3, 2)] * 3

    def test_save_override_is_honoured_row_by_row(self, using: str) -> None:
        """A model that overrides save() is created row by row, so save() runs; with
        bulk="always" it is one INSERT and save() is skipped."""
        with CaptureQueriesContext(connections[using]) as queries:
            rows = SluggedFactory(using=using).create_batch(3)
        assert inserts(queries) == ["django_app_slugged"] * 3
        assert [r.slug for r in rows] == ["hello-world-1", "hello-world-2", "hello-world-3"]

        class FastFactory(SluggedFactory):
            _model_builder = DjangoBuilder(bulk="always")

        with CaptureQueriesContext(connections[using]) as queries:
            rows = FastFactory(using=using).create_batch(3)
        assert inserts(queries) == ["django_app_slugged"]
        assert [r.slug for r in rows] == ["", "", ""]

    def test_signal_receivers_are_honoured(self, using: str) -> None:
        """post_save and m2m_changed receivers keep their calls: such models and links
        are written row by row."""
        saved: list[int] = []
        changed: list[int] = []

        def on_save(sender: Any, instance: Tag, **kwargs: Any) -> None:
            saved.append(instance.pk)

        def on_change(sender: Any, instance: Post, action: str, **kwargs: Any) -> None:
            if action == "post_add":
                changed.append(instance.pk)

        post_save.connect(on_save, sender=Tag)
        m2m_changed.connect(on_change, sender=Post.tags.through)
        try:
            posts = PostFactory(using=using).create_batch(2, "tagged")
        finally:
            post_save.disconnect(on_save, sender=Tag)
            m2m_changed.disconnect(on_change, sender=Post.tags.through)
        assert sorted(saved) == sorted(t.pk for p in posts for t in p.tags.all())
        assert changed == [p.pk for p in posts]

    def test_never_bulk(self, using: str) -> None:
        """bulk="never" creates every row with objects.create()."""

        class SlowFactory(TagFactory):
            _model_builder = DjangoBuilder(bulk="never")

        with CaptureQueriesContext(connections[using]) as queries:
            tags = SlowFactory(using=using).create_batch(3)
        assert inserts(queries) == ["django_app_tag"] * 3
        assert all(t.pk for t in tags)

    def test_multi_table_inheritance(self, using: str) -> None:
        """A multi-table-inherited model, which bulk_create refuses, is made row by row."""
        made = RestaurantFactory(using=using).create_batch(2)
        assert [r.pk for r in made] == [r.place_ptr_id for r in made]
        assert Place.objects.using(using).count() == 2


# ---------------------------------------------------------------- get-or-create


class TagByNameFactory(TagFactory):
    _get_or_create = ("name",)


@pytest.mark.parametrize("using", ALIASES)
class TestGetOrCreate:
    def test_returns_the_existing_row(self, using: str) -> None:
        """A second create with the same name finds the first row and writes nothing."""
        first = TagByNameFactory(using=using).create(name="python")
        with CaptureQueriesContext(connections[using]) as queries:
            again = TagByNameFactory(using=using).create(name="python")
        assert again == first
        assert not inserts(queries)
        assert Tag.objects.using(using).count() == 1

    def test_in_a_batch_and_as_a_child(self, using: str) -> None:
        """create_batch and many() find the row too."""
        TagByNameFactory(using=using).create(name="python")
        tags = TagByNameFactory(using=using).create_batch(3, name="python")
        post = PostFactory(using=using).create(tags=many(TagByNameFactory, count=2, name="x"))
        assert {t.pk for t in tags} == {Tag.objects.using(using).get(name="python").pk}
        assert list(post.tags.values_list("name", flat=True)) == ["x"]


# ---------------------------------------------------------------- transactions


@pytest.mark.parametrize("using", ALIASES)
class TestRollback:
    def test_unique_violation_in_a_child_undoes_the_call(self, using: str) -> None:
        """A unique violation in the second tag undoes the author, post and first tag of
        that call; earlier rows stay and the connection stays usable."""
        earlier = PostFactory(using=using).create("basic", "tagged")
        with pytest.raises(BuilderError) as info:
            PostFactory(using=using).create(tags=many(TagFactory, count=2, name="dup"))
        assert str(info.value).startswith(
            "PostFactory.basic → tags[1] (TagFactory.basic): "
            "DjangoBuilder.create(Tag) raised IntegrityError("
        )
        assert isinstance(info.value.__cause__, IntegrityError)
        assert list(Post.objects.using(using).all()) == [earlier]
        assert Author.objects.using(using).count() == 1
        assert Tag.objects.using(using).count() == 3
        assert PostFactory(using=using).create().pk is not None

    def test_not_null_violation_in_a_later_child(self, using: str) -> None:
        """A comment that fails NOT NULL after its post exists undoes the post and author."""
        earlier = AuthorFactory(using=using).create()
        with pytest.raises(BuilderError) as info:
            PostFactory(using=using).create("basic", "commented", comment_set__body=None)
        assert str(info.value).startswith(
            "PostFactory.basic → comment_set[0] (CommentFactory.basic): "
            "DjangoBuilder.create(Comment) raised IntegrityError("
        )
        assert list(Author.objects.using(using).all()) == [earlier]
        assert not Post.objects.using(using).exists()

    def test_failing_batch_writes_nothing(self, using: str) -> None:
        """A batch whose comments fail NOT NULL leaves no author, post or comment."""
        with pytest.raises(BuilderError) as info:
            PostFactory(using=using).create_batch(3, "commented", comment_set__body=None)
        assert "DjangoBuilder.create_many(Comment) raised IntegrityError(" in str(info.value)
        assert not Author.objects.using(using).exists()
        assert not Post.objects.using(using).exists()

    def test_failing_hook_undoes_the_call(self, using: str) -> None:
        """A hook that raises after the rows exist undoes them."""

        class BrokenFactory(TagFactory):
            @after("create")
            def explode(self, tag: Tag, attrs: Any) -> None:
                raise RuntimeError("boom")

        with pytest.raises(HookError) as info:
            BrokenFactory(using=using).create_batch(2)
        assert str(info.value) == (
            "BrokenFactory.basic: after-create hook explode raised RuntimeError('boom')"
        )
        assert not Tag.objects.using(using).exists()


# ---------------------------------------------------------------- build


@pytest.mark.django_db
class TestBuild:
    def test_build_writes_nothing(self, django_assert_num_queries: Any) -> None:
        """build() makes unsaved objects, keeping many-to-many values and reverse
        children for unsaved_related(), the children pointing at the parent."""
        with django_assert_num_queries(0):
            post = PostFactory().build("basic", "tagged", "commented")
        assert post.pk is None
        assert post.author.pk is None
        related = unsaved_related(post)
        assert [t.name for t in related["tags"]] == ["tag1", "tag2", "tag3"]
        assert all(t.pk is None for t in related["tags"])
        assert len(related["comment_set"]) == 2
        assert all(c.post is post and c.pk is None for c in related["comment_set"])

    def test_build_reverse_one_to_one(self, django_assert_num_queries: Any) -> None:
        """A reverse one-to-one is set on the built object both ways."""
        with django_assert_num_queries(0):
            author = AuthorFactory().build("basic", "with_profile")
            assert author.profile.bio == "Writes things."
            assert author.profile.author is author
            nobody = AuthorFactory().build(profile=None)
        assert unsaved_related(author) == {}
        assert not hasattr(nobody, "profile")

    def test_build_batch(self, django_assert_num_queries: Any) -> None:
        """build_batch keeps each object's related values apart."""
        with django_assert_num_queries(0):
            posts = PostFactory().build_batch(2, "tagged")
        assert [[t.name for t in unsaved_related(p)["tags"]] for p in posts] == [
            ["tag1", "tag2", "tag3"],
            ["tag4", "tag5", "tag6"],
        ]

    def test_build_refuses_a_single_object_for_a_collection(self) -> None:
        """A many-to-many field given one object, not a list, says what it takes."""
        tag = Tag(name="x")
        with pytest.raises(BuilderError) as info:
            PostFactory().build(tags=tag)
        assert str(info.value) == (
            "PostFactory.basic: DjangoBuilder.build(Post) raised "
            "TypeError('Post.tags takes a list of objects (or primary keys), "
            "got <Tag: Tag object (None)>')"
        )


def test_build_needs_no_database() -> None:
    """build() works in a test without database access, where any query would fail."""
    post = PostFactory().build("basic", "tagged", "commented")
    assert len(unsaved_related(post)["comment_set"]) == 2


# ---------------------------------------------------------------- async


@pytest.mark.usefixtures("_close_thread_connections")
@pytest.mark.parametrize("using", ASYNC_ALIASES)
class TestAsync:
    async def test_acreate(self, using: str) -> None:
        """acreate writes the post, its author, tags and comments."""
        post = await PostFactory(using=using).acreate("basic", "tagged", "commented")

        def check() -> None:
            assert sorted(post.tags.values_list("name", flat=True)) == ["tag1", "tag2", "tag3"]
            assert post.comment_set.count() == 2
            assert Author.objects.using(using).count() == 1

        await sync_to_async(check)()

    async def test_acreate_batch(self, using: str) -> None:
        """acreate_batch writes in bulk and hands back objects with keys."""
        posts = await PostFactory(using=using).acreate_batch(5, "tagged", "commented")
        assert all(p.pk is not None for p in posts)

        def counts() -> tuple[int, int, int]:
            return (
                Post.objects.using(using).count(),
                Post.tags.through.objects.using(using).count(),
                Comment.objects.using(using).count(),
            )

        assert await sync_to_async(counts)() == (5, 15, 10)

    async def test_aget_or_create(self, using: str) -> None:
        """acreate with _get_or_create finds the existing row."""
        first = await TagByNameFactory(using=using).acreate(name="python")
        again = await TagByNameFactory(using=using).acreate(name="python")
        assert again == first
        assert await Tag.objects.using(using).acount() == 1

    async def test_failure_rolls_back(self, using: str) -> None:
        """A failing acreate undoes what it wrote; earlier rows stay."""
        earlier = await TagFactory(using=using).acreate(name="keep")
        with pytest.raises(BuilderError) as info:
            await PostFactory(using=using).acreate(tags=many(TagFactory, count=2, name="dup"))
        assert isinstance(info.value.__cause__, IntegrityError)
        assert [t async for t in Tag.objects.using(using).all()] == [earlier]
        assert not await Author.objects.using(using).aexists()
        assert not await Post.objects.using(using).aexists()

    async def test_an_acreate_inside_an_acreate_does_not_wait_for_it(self, using: str) -> None:
        """An after-create hook that calls acreate on the same database runs inside the
        outer call (which holds the database's turn) instead of waiting for it forever."""

        class TaggingAuthorFactory(AuthorFactory):
            @after("create")
            async def tag(self, author: Author, attrs: Any) -> None:
                await TagFactory(**self.context).acreate(name=f"tag of {author.email}")

        authors = TaggingAuthorFactory(using=using)
        made = await asyncio.wait_for(
            asyncio.gather(*(authors.acreate() for _ in range(3))), timeout=30
        )
        names = {t.name async for t in Tag.objects.using(using).all()}
        assert names == {f"tag of {a.email}" for a in made}

    async def test_concurrent_acreate_calls_keep_their_own_savepoints(self, using: str) -> None:
        """Concurrent acreate calls, one of them failing, do not undo each other's rows."""
        results = await asyncio.gather(
            TagFactory(using=using).acreate(name="first"),
            TagFactory(using=using).acreate(name=None),
            TagFactory(using=using).acreate(name="third"),
            return_exceptions=True,
        )
        assert isinstance(results[1], BuilderError)
        names = [t.name async for t in Tag.objects.using(using).order_by("name")]
        assert names == ["first", "third"]


@pytest.fixture(autouse=True)
def _no_leftover_signals() -> Iterator[None]:
    """The signal test disconnects its receivers even when it fails; check it did."""
    yield
    assert not post_save.has_listeners(Tag)
