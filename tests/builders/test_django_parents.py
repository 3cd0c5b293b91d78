"""parent() on Django: the teams an organization's reverse foreign key makes after it
exists read the organization's finished values; a foreign key given directly
replaces the association on its relationship; and a batch whose fields query the
database gives what a loop of create() gives."""

from __future__ import annotations

from typing import Any

import pytest

from pyfactory import Factory, association, lazy, many, parent, schema, sequence
from pyfactory.builders.django import DjangoBuilder
from tests.builders.test_django import ALIASES
from tests.django_app.models import Author, Organization, Post, Team


class TeamFactory(Factory[Team]):
    _model = Team
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": sequence("team {n}"),
            "description": parent("name", default="no organization"),
        }


class OrganizationFactory(Factory[Organization]):
    _model = Organization
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("org {n}"), "teams": many(TeamFactory, count=2)}


@pytest.mark.parametrize("using", ALIASES)
def test_teams_made_after_their_organization_read_its_values(using: str) -> None:
    made = OrganizationFactory(using=using).create_batch(2)
    for organization in made:
        teams = Team.objects.using(using).filter(organization=organization).order_by("pk")
        assert [team.description for team in teams] == [organization.name] * 2
    single = OrganizationFactory(using=using).create(name="Acme")
    teams = Team.objects.using(using).filter(organization=single)
    assert {team.description for team in teams} == {"Acme"}


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("author {n}"), "email": sequence("a{n}@example.org")}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": sequence("post {n}"), "author": association(AuthorFactory)}


@pytest.mark.parametrize("using", ALIASES)
def test_a_foreign_key_given_replaces_the_association(using: str) -> None:
    """``author_id=`` is stored as given, and no other author is made."""
    author = AuthorFactory(using=using).create()
    post = PostFactory(using=using).create(author_id=author.pk)
    posts = PostFactory(using=using).create_batch(2, author_id=author.pk)
    assert Author.objects.using(using).count() == 1
    assert [p.author_id for p in (post, *posts)] == [author.pk] * 3


class CountingPostFactory(Factory[Post]):
    """A title that counts the authors stored, before the post's own author is made."""

    _model = Post
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        using = self.context["using"]
        return {
            "title": lazy(lambda a: f"authors: {Author.objects.using(using).count()}"),
            "author": association(AuthorFactory),
        }


@pytest.mark.parametrize("using", ALIASES)
def test_a_batch_that_reads_sees_what_a_loop_of_create_sees(using: str) -> None:
    posts = CountingPostFactory(using=using).create_batch(3)
    assert [post.title for post in posts] == ["authors: 0", "authors: 1", "authors: 2"]
