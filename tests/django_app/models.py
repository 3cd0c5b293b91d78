"""Models for the DjangoBuilder tests: every kind of relation Django has.

No migrations: the test runner creates the tables straight from the models
(an app without a ``migrations`` package is synchronised, as ``migrate
--run-syncdb`` does).
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)


class Profile(models.Model):
    """The reverse side, ``author.profile``, is a one-to-one."""

    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(default="")


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Post(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="posts")
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    published = models.BooleanField(default=False)


class Comment(models.Model):
    """No ``related_name``: the reverse accessor is Django's ``post.comment_set``."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    body = models.TextField()  # NOT NULL: None fails in the database


class Person(models.Model):
    """A symmetrical many-to-many to itself: a link is written both ways."""

    name = models.CharField(max_length=100)
    friends = models.ManyToManyField("self", blank=True)


class Slugged(models.Model):
    """Overrides save(), which bulk_create would skip."""

    title = models.CharField(max_length=100)
    slug = models.CharField(max_length=100, blank=True)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.slug = self.title.lower().replace(" ", "-")
        super().save(*args, **kwargs)


class Place(models.Model):
    name = models.CharField(max_length=100)


class Restaurant(Place):
    """Multi-table inheritance, which bulk_create refuses."""

    serves_pizza = models.BooleanField(default=False)


class Coupon(models.Model):
    """Unique fields of several kinds, each with room for few values, for auto-filling:
    random values would collide within a batch of a few hundred."""

    code = models.CharField(max_length=3, unique=True)
    email = models.EmailField(unique=True)
    slug = models.SlugField(max_length=4, unique=True)
    number = models.IntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    owner = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=1, choices=[("a", "A"), ("b", "B"), ("c", "C")])
    serial = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(400)]
    )

    class Meta:
        unique_together = (("kind", "serial"),)


# The organization world of the object-graph tests and docs (docs/graphs.rst): the
# "create functions" style of a large Django app's test helpers.


class Role(models.Model):
    name = models.CharField(max_length=80)


class Member(models.Model):
    """A user of the organization world (``User`` would read as Django's auth user)."""

    name = models.CharField(max_length=80, unique=True)
    roles = models.ManyToManyField(Role, related_name="members", blank=True)


class Organization(models.Model):
    name = models.CharField(max_length=80, unique=True)


class Project(models.Model):
    name = models.CharField(max_length=80)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="projects"
    )
    admin_role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="+")


class Team(models.Model):
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, default="")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    members = models.ManyToManyField(Member, related_name="teams", blank=True)


class Stay(models.Model):
    """CHECK constraints of every kind that auto-filling reads (docs/autofill.rst): a
    range, two bounds, an ``IN`` list and two dates in order."""

    guests = models.IntegerField()
    nightly_rate = models.DecimalField(max_digits=7, decimal_places=2)
    status = models.CharField(max_length=10)
    check_in = models.DateField()
    check_out = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(guests__range=(1, 6)), name="stay_guests"),
            models.CheckConstraint(
                condition=models.Q(nightly_rate__gt=0) & models.Q(nightly_rate__lte=900),
                name="stay_rate",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["booked", "cancelled"]), name="stay_status"
            ),
            models.CheckConstraint(
                condition=models.Q(check_out__gt=models.F("check_in")), name="stay_order"
            ),
        ]
