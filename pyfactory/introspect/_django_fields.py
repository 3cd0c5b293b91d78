"""Fields of a Django model, forward and reverse."""

from __future__ import annotations

import datetime
import decimal
import re
import sys
import uuid
from typing import Any

from pyfactory.introspect._common import Facts, optional
from pyfactory.introspect._info import FieldInfo

__all__ = ["django_fields", "django_unique_groups", "is_django"]

#: ``Field.get_internal_type()`` → the Python type of the values. Subclasses of
#: Django's fields (``EmailField``, ``ImageField``, most third-party fields) report
#: their parent's internal type, so this covers them too.
_TYPES: dict[str, Any] = {
    **dict.fromkeys(
        (
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveBigIntegerField",
            "PositiveSmallIntegerField",
        ),
        int,
    ),
    **dict.fromkeys(
        (
            "CharField",
            "TextField",
            "SlugField",
            "FilePathField",
            "FileField",
            "GenericIPAddressField",
            "IPAddressField",
        ),
        str,
    ),
    "BooleanField": bool,
    "NullBooleanField": bool,
    "DateField": datetime.date,
    "DateTimeField": datetime.datetime,
    "TimeField": datetime.time,
    "DurationField": datetime.timedelta,
    "DecimalField": decimal.Decimal,
    "FloatField": float,
    "UUIDField": uuid.UUID,
    "BinaryField": bytes,
    "JSONField": dict,
}


def is_django(model: Any) -> bool:
    """Whether ``model`` is a Django model class."""
    models = sys.modules.get("django.db.models")
    return models is not None and isinstance(model, type) and issubclass(model, models.Model)


def django_fields(model: type[Any]) -> list[FieldInfo]:
    """One record per field of ``model._meta.get_fields()``: its own fields and
    many-to-many fields first, in declaration order, then the reverse relations
    that other models point at it with (named by their accessor, such as
    ``comment_set``), except hidden ones (``related_name="+"``).

    Constraints come from the field's options (``max_length``, ``max_digits``,
    ``choices``, ``null``, ``unique``) and its validators (length, value and step
    validators, regex validators); the field class gives ``extra["format"]``
    (``"email"``, ``"url"``, ``"slug"``, ``"ip"``, ...). ``blank=True`` is noted in
    ``extra["blank"]`` and makes the field not required. The ``CheckConstraint``
    entries of ``Meta.constraints`` bound their fields as far as they are read
    (:mod:`pyfactory.introspect._checks`).
    """
    meta = model._meta
    fields = meta.get_fields()
    single = _single_unique(meta)
    forward = [f for f in fields if f.concrete or not f.auto_created]
    reverse = [f for f in fields if f.auto_created and not f.concrete]
    infos = [_forward_field(f, single) for f in forward]
    infos.extend(_reverse_field(rel) for rel in reverse)
    from pyfactory.introspect._checks import apply_checks, django_checks

    return apply_checks(infos, django_checks(model))[0]


def _single_unique(meta: Any) -> set[str]:
    """Fields made unique by a model-level constraint on them alone."""
    from django.db.models import UniqueConstraint

    names = set()
    for constraint in meta.constraints:
        if (
            isinstance(constraint, UniqueConstraint)
            and constraint.condition is None
            and not constraint.expressions
            and len(constraint.fields) == 1
        ):
            names.add(constraint.fields[0])
    for together in meta.unique_together:
        if len(together) == 1:
            names.add(together[0])
    return names


def django_unique_groups(model: type[Any]) -> list[tuple[str, ...]]:
    """The sets of two or more fields that are unique together, by field name:
    ``unique_together``, and ``UniqueConstraint`` of plain fields without a condition.
    A foreign key is named by its field (``"post"``), whichever name declared it."""
    from django.core.exceptions import FieldDoesNotExist
    from django.db.models import UniqueConstraint

    meta = model._meta
    declared: list[tuple[str, ...]] = [tuple(t) for t in meta.unique_together]
    declared.extend(
        tuple(c.fields)
        for c in meta.constraints
        if isinstance(c, UniqueConstraint) and c.condition is None and not c.expressions
    )
    groups: list[tuple[str, ...]] = []
    for names in declared:
        if len(names) < 2:
            continue
        try:
            group = tuple(dict.fromkeys(meta.get_field(n).name for n in names))
        except FieldDoesNotExist:
            continue
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def _forward_field(field: Any, single: set[str]) -> FieldInfo:
    facts = Facts(field.name)
    if field.is_relation:
        if field.many_to_many:
            return _many_to_many(field, facts)
        if field.one_to_many:  # GenericRelation: the other rows point at this one
            return _generic_relation(field, facts)
        if getattr(field, "related_model", None) is None:
            return _generic_foreign_key(field, facts)
        _foreign_key(field, facts)
    else:
        _plain(field, facts)
    generated = _defaults(field, facts)
    null = bool(field.null)
    facts.set(
        nullable=null,
        type=optional(facts.values["type"]) if null else facts.values["type"],
        primary_key=bool(field.primary_key),
        unique=bool(field.unique) or field.name in single,
        server_generated=generated,
        required=not (facts.has_default or null or field.blank),
    )
    if field.blank and not generated:  # an AutoField is blank=True, which says nothing
        facts.note("blank", True)
    return facts.info()


def _plain(field: Any, facts: Facts) -> None:
    from django.db import models

    # A GeneratedField reports its output field's internal type.
    internal = field.get_internal_type()
    pytype = _TYPES.get(internal, Any)
    if pytype is Any:
        facts.note("internal_type", internal)
    facts.set(type=pytype)
    if isinstance(field, models.EmailField):
        facts.note("format", "email")
    elif isinstance(field, models.URLField):
        facts.note("format", "url")
    elif isinstance(field, models.SlugField):
        facts.note("format", "slug")
    elif isinstance(field, models.GenericIPAddressField):
        protocol = str(field.protocol).lower()
        facts.note("format", "ip" if protocol == "both" else protocol)
    elif isinstance(field, models.FileField):
        facts.note("format", "file")
    if isinstance(field, models.DateTimeField):
        from django.conf import settings

        # Django makes and expects aware datetimes exactly when USE_TZ is on.
        facts.note("timezone", bool(settings.USE_TZ))
    if pytype in (str, bytes):  # a UUIDField's max_length is about its storage, say
        facts.constrain("max_length", field.max_length)
    _read_integer_range(internal, facts)
    if isinstance(field, models.DecimalField):
        facts.constrain("max_digits", field.max_digits)
        facts.constrain("decimal_places", field.decimal_places)
    if field.choices:
        facts.set(choices=tuple(value for value, _ in field.flatchoices if value is not None))
    _read_validators(field, facts)


def _read_integer_range(internal: str, facts: Facts) -> None:
    """The range every database supports for an integer field.

    Django's own validators check the range of the default database's backend
    (SQLite's is 64-bit for every integer field); rows may go to any database, so
    the range here is the one all backends share.
    """
    from django.db.backends.base.operations import BaseDatabaseOperations

    bounds = BaseDatabaseOperations.integer_field_ranges.get(internal)
    if bounds is not None:
        facts.constrain("ge", bounds[0])
        facts.constrain("le", bounds[1])


def _read_validators(field: Any, facts: Facts) -> None:
    from django.core import validators

    # The validators the field declares, without the backend's integer range that
    # IntegerField.validators adds (see _read_integer_range).
    declared = getattr(field, "_validators", None)
    found = field.validators if declared is None else [*field.default_validators, *declared]
    for validator in found:
        limit = getattr(validator, "limit_value", None)
        if callable(limit):  # computed when validating: nothing fixed to record
            continue
        if isinstance(validator, validators.MaxLengthValidator):
            facts.constrain("max_length", limit)
        elif isinstance(validator, validators.MinLengthValidator):
            facts.constrain("min_length", limit)
        elif isinstance(validator, validators.MaxValueValidator):
            facts.constrain("le", limit)
        elif isinstance(validator, validators.MinValueValidator):
            facts.constrain("ge", limit)
        elif isinstance(validator, getattr(validators, "StepValueValidator", ())):
            facts.constrain("multiple_of", limit)
            offset = getattr(validator, "offset", None)
            if offset is not None:
                facts.note("multiple_of_offset", offset)
        elif isinstance(validator, validators.DecimalValidator):
            facts.constrain("max_digits", validator.max_digits)
            facts.constrain("decimal_places", validator.decimal_places)
        elif isinstance(validator, validators.URLValidator):
            facts.note("format", "url")  # its regex is Django's business, not a pattern to fill
        elif isinstance(validator, validators.RegexValidator) and not validator.inverse_match:
            regex = validator.regex
            facts.constrain("pattern", regex.pattern)
            flags = regex.flags & ~re.UNICODE
            if flags:
                facts.note("pattern_flags", re.RegexFlag(flags))
        elif isinstance(validator, validators.EmailValidator):
            facts.note("format", "email")


def _defaults(field: Any, facts: Facts) -> bool:
    """Record the field's default; whether the database or Django makes its value."""
    from django.db.models import NOT_PROVIDED, AutoField, BigAutoField, SmallAutoField

    if field.has_default():
        default = field.default
        if callable(default):
            facts.default(factory=default)
        else:
            facts.default(default)
    generated = isinstance(field, (AutoField, BigAutoField, SmallAutoField))
    db_default = getattr(field, "db_default", NOT_PROVIDED)
    if db_default is not NOT_PROVIDED:
        facts.note("db_default", db_default)
        generated = True
    for flag in ("auto_now", "auto_now_add"):
        if getattr(field, flag, False):
            facts.note(flag, True)
            generated = True
    if getattr(field, "generated", False):  # a GeneratedField (Django 5.0+)
        generated = True
    if getattr(field.remote_field, "parent_link", False):
        # The link to the parent row of multi-table inheritance: save() sets it.
        facts.note("parent_link", True)
        generated = True
    if generated:
        facts.default()
    return generated


def _foreign_key(field: Any, facts: Facts) -> None:
    related = field.related_model
    facts.set(
        type=related,
        related_model=related,
        relation="one_to_one" if field.one_to_one else "many_to_one",
        foreign_keys=(field.attname,),
    )
    target = field.target_field
    if not target.primary_key:
        facts.note("to_field", target.name)
    _note_reverse(field, facts)


def _many_to_many(field: Any, facts: Facts) -> FieldInfo:
    related = field.related_model
    facts.set(type=list[related], related_model=related, relation="many_to_many")  # type: ignore[valid-type]
    facts.note("through", field.remote_field.through)
    if field.remote_field.symmetrical:
        facts.note("symmetrical", True)
    if field.blank:
        facts.note("blank", True)
    _note_reverse(field, facts)
    return facts.info()


def _generic_foreign_key(field: Any, facts: Facts) -> FieldInfo:
    """A ``GenericForeignKey``: a content type and an object id, both listed as fields."""
    facts.set(
        type=Any,
        relation="many_to_one",
        foreign_keys=(field.ct_field, field.fk_field),
    )
    facts.note("generic", True)
    return facts.info()


def _generic_relation(field: Any, facts: Facts) -> FieldInfo:
    related = field.related_model
    facts.set(type=list[related], related_model=related, relation="one_to_many")  # type: ignore[valid-type]
    facts.note("generic", True)
    return facts.info()


def _note_reverse(field: Any, facts: Facts) -> None:
    rel = field.remote_field
    # Django 5.1 made is_hidden() a property, ``hidden``.
    hidden = rel.hidden if hasattr(rel, "hidden") else rel.is_hidden()
    if not hidden:
        facts.note("reverse", rel.get_accessor_name())


def _reverse_field(rel: Any) -> FieldInfo:
    facts = Facts(rel.get_accessor_name())
    related = rel.related_model
    facts.set(related_model=related)
    facts.note("reverse", rel.field.name)
    if rel.many_to_many:
        facts.set(type=list[related], relation="many_to_many")  # type: ignore[valid-type]
        facts.note("through", rel.through)
    elif rel.one_to_one:
        facts.set(type=optional(related), relation="one_to_one", nullable=True)
        facts.note("remote_keys", (rel.field.attname,))
    else:
        facts.set(type=list[related], relation="one_to_many")  # type: ignore[valid-type]
        facts.note("remote_keys", (rel.field.attname,))
    return facts.info()
