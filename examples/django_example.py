"""pyfactory with Django: a blog written to SQLite through the Django ORM.

Run it with (it needs ``pip install 'pyfactory-schema[django]'``):

    python examples/django_example.py

A Django project has settings and an app for its models; this script makes
both itself, so that it runs on its own from any directory. It configures
Django in-process with an in-memory SQLite database, installs this very module
as the app ``blog`` (``BlogConfig`` below), defines the models, and creates
their tables with the schema editor instead of migrations. Then it shows, in
order:

1. ``create``: a post with its author, tags and comments, keys all set;
2. ``create_batch``: two hundred such posts, one INSERT per table;
3. ``many()`` on a reverse foreign key (``author.posts``) and on a
   many-to-many field seen from the other side (``tag.posts``);
4. a ``create`` that fails inside your own ``transaction.atomic()``, rolled
   back to its savepoint while the transaction and its earlier rows stay;
5. ``build``: unsaved objects, and not one statement sent.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import django
from django.apps import AppConfig
from django.conf import settings
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from pyfactory import BuilderError, Factory, association, fake, many, schema, sequence, trait
from pyfactory.builders.django import DjangoBuilder, unsaved_related

# --- 1. Django: settings, and this module as the app "blog". -----------------


class BlogConfig(AppConfig):
    """The app is this module: ``__main__`` when run as a script."""

    name = __name__
    label = "blog"
    default_auto_field = "django.db.models.BigAutoField"


settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=[f"{__name__}.BlogConfig"],
    USE_TZ=True,
)
django.setup()


# --- 2. The models: ordinary Django models, nothing in them for pyfactory. ---


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Post(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="posts")
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    published = models.BooleanField(default=False)


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)  # post.comment_set
    body = models.TextField()  # NOT NULL


MODELS: list[type[models.Model]] = [Author, Tag, Post, Comment]


def create_tables() -> None:
    """What ``migrate`` would do: one table per model, and Post.tags' link table."""
    with connection.schema_editor() as editor:
        for model in MODELS:
            editor.create_model(model)


# --- 3. The factories: each names DjangoBuilder(). ---------------------------


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": fake("name"), "email": sequence("author{n}@blog.example")}


class TagFactory(Factory[Tag]):
    _model = Tag
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("tag-{n}")}


class CommentFactory(Factory[Comment]):
    _model = Comment
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        # Under many() on post.comment_set, the post making them replaces this.
        return {"post": association(PostFactory), "body": fake("sentence")}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "title": fake("sentence", nb_words=4),
            "author": association(AuthorFactory),  # foreign key: made before the post
        }

    @schema()
    def full(self) -> dict[str, Any]:
        post = self.schema("basic")
        post["comment_set"] = many(CommentFactory, count=2)  # reverse FK: made after it
        post["tags"] = many(TagFactory, count=2)  # many-to-many: linked once it exists
        return post

    @trait()
    def published(self) -> dict[str, Any]:
        return {"published": True}


# --- 4. Using them. ----------------------------------------------------------


def short(sql: str) -> str:
    """A statement in short: INSERT and its table, or a savepoint command without its name."""
    words = sql.replace('"', "").split()
    if words[0] == "INSERT":  # INSERT [OR IGNORE] INTO <table> ...
        return f"INSERT {words[words.index('INTO') + 1]}"
    if "SAVEPOINT" in words:  # the savepoint's name comes last
        return " ".join(words[:-1])
    return words[0]


def statements(queries: CaptureQueriesContext) -> str:
    """The INSERT statements captured, counted by table, as text."""
    tables: Counter[str] = Counter()
    for query in queries.captured_queries:
        words = short(query["sql"]).split()
        if words[0] == "INSERT":
            tables[words[1]] += 1
    text = ", ".join(f"{table} {n}" for table, n in tables.items())
    return f"{sum(tables.values())} INSERT ({text})"


def listing(items: list[str], width: int = 88) -> str:
    """The items, comma-separated, on indented lines of at most ``width`` characters."""
    lines = ["     "]
    for item in items:
        if len(lines[-1]) + len(item) + 2 > width:
            lines.append("     ")
        lines[-1] += f"{item}, "
    return "\n".join(line.rstrip() for line in lines).rstrip(",")


def summary() -> str:
    counts = [f"{model.objects.count()} {model._meta.model_name}s" for model in MODELS]
    links = Post.tags.through.objects.count()
    return ", ".join(counts) + f", {links} post-tag links"


def show_create(posts: PostFactory) -> None:
    print("1. create")
    with CaptureQueriesContext(connection) as queries:
        post = posts.create("full", "published", title="Hello, Django")
    print(f"   post {post.pk} {post.title!r} by {post.author.name} (author {post.author_id})")
    comments = list(post.comment_set.all())
    print(f"   comments {[c.pk for c in comments]}, with post_id {[c.post_id for c in comments]}")
    print(f"   tags {[t.name for t in post.tags.all()]}")
    print(f"   statements: {statements(queries)}")


def show_create_batch(posts: PostFactory) -> None:
    print("\n2. create_batch")
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        batch = posts.create_batch("full", 200)
    elapsed = time.perf_counter() - started
    print(f"   {len(batch)} posts, each with a new author, 2 comments and 2 tags,")
    print(f"   in {elapsed:.2f} s; statements: {statements(queries)}")
    print(f"   (one by one, as in step 1, that would be {7 * len(batch):,} INSERT statements;")
    print("   on SQLite, Django splits a bulk INSERT past 999 parameters, so a batch of")
    print("   thousands takes a few per table)")
    sample = batch[100]
    tag_ids = [tag.pk for tag in sample.tags.all()]
    print(f"   e.g. post {sample.pk}: author {sample.author.pk}, tags {tag_ids}, all with keys")
    print(f"   the database holds {summary()}")


def show_many() -> None:
    print("\n3. many() on the other side of a relation")
    authors_before = Author.objects.count()
    author = AuthorFactory().create(posts=many(PostFactory, count=3))
    post_ids = [post.pk for post in author.posts.all()]
    print(f"   author {author.pk} was made first, then its posts {post_ids}")
    print(f"   authors made: {Author.objects.count() - authors_before} (the posts made none)")
    tag = TagFactory().create(name="django", posts=many(PostFactory, count=2))
    linked = [(post.pk, [t.name for t in post.tags.all()]) for post in tag.posts.all()]
    print(f"   posts made, then tag {tag.name!r}, then the links: {linked}")


def show_rollback(posts: PostFactory) -> None:
    print("\n4. a failed create is rolled back to its savepoint")
    with transaction.atomic():  # your own transaction, as a test's would be
        kept = posts.create(title="Kept")
        before = summary()
        with CaptureQueriesContext(connection) as queries:
            try:
                # The first comment's body is NULL: the NOT NULL constraint fails once
                # this call's author, tags and post are written, and they are undone.
                posts.create("full", comment_set__body=None)
            except BuilderError as error:
                print(f"   {type(error).__name__}: {error}")
                print(f"   caused by {type(error.__cause__).__name__}")
        print("   the call sent:")
        print(listing([short(query["sql"]) for query in queries.captured_queries]))
        print(f"   before the call: {before}")
        print(f"   after the call:  {summary()}")
        print(f"   the transaction goes on: post {kept.pk} {kept.title!r} is still there,")
        again = posts.create()
        print(f"   and post {again.pk} is created after it")


def show_build(posts: PostFactory) -> None:
    print("\n5. build writes nothing")
    with CaptureQueriesContext(connection) as queries:
        draft = posts.build("full")
    related = unsaved_related(draft)
    print(f"   post {draft.pk}, author {draft.author.pk}: unsaved")
    print(f"   tags kept aside for unsaved_related(): {[(t.name, t.pk) for t in related['tags']]}")
    comments = related["comment_set"]
    pointing = all(comment.post is draft for comment in comments)
    print(f"   {len(comments)} comments kept aside too, pointing at the draft: {pointing}")
    print(f"   statements sent: {len(queries.captured_queries)}")


def main() -> None:
    create_tables()
    # No context is needed for the "default" database; PostFactory(using="replica")
    # would write the post, and everything it makes, to another alias. The seed makes
    # the fake names and titles the same on every run.
    posts = PostFactory(seed=7)
    show_create(posts)
    show_create_batch(posts)
    show_many()
    show_rollback(posts)
    show_build(posts)
    print(f"\nThe database holds {summary()}")


if __name__ == "__main__":
    main()
