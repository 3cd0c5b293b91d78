"""``on_conflict="skip"`` and ``"update"`` for the Django builder: ``bulk_create`` with
``ignore_conflicts=True`` or ``update_conflicts=True`` (PostgreSQL and SQLite), and the
objects of ``create_batch`` read back by their unique key.

Part of the Django builder (:mod:`pyfactory.builders.django`), which imports it; the
choices are those of the SQLAlchemy builder (:mod:`~pyfactory.builders._sa_conflict`),
so that one factory behaves the same on either ORM:

* ``create_batch`` hands back one object per row, in order, the stored row for a
  skipped one: Django sets no primary key on the objects of
  ``bulk_create(ignore_conflicts=True)``, so every object is read back with one query
  per unique key (``filter(email__in=...)``).
* ``"update"`` needs ``unique_fields``: the ``on_conflict_target`` given, else the
  model's only unique key besides its primary key, else the primary key. It sets the
  concrete fields that the row gives, but the key's. Rows with the same key go in
  successive ``bulk_create`` calls (PostgreSQL refuses to update a row twice in one
  statement): the last one wins.
* ``ignore_conflicts`` takes no target: a skipping builder with ``on_conflict_target``
  is refused rather than made to skip conflicts on other keys too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connections
from django.db.models import Model, Q, UniqueConstraint
from django.db.models.signals import post_save, pre_save

from pyfactory.builders._conflict import Conflict, by_keys, report_found, skipped_rows
from pyfactory.errors import BuilderError, FactoryDefinitionError

__all__ = ["check_builder", "check_model", "unique_keys", "write_rows"]

#: The database vendors whose ``bulk_create`` takes a conflict target and returns keys.
_VENDORS = ("postgresql", "sqlite")

Key = tuple[Any, ...]  # Django fields


def check_builder(conflict: Conflict | None, bulk: str) -> None:
    """At construction: what ``DjangoBuilder`` cannot do with ``on_conflict``.

    Raises:
        FactoryDefinitionError: ``bulk="never"`` (``objects.create()`` has no ON
            CONFLICT), or ``"skip"`` with a target (``ignore_conflicts`` takes none).
    """
    if conflict is None:
        return
    if bulk == "never":
        raise FactoryDefinitionError(
            f"DjangoBuilder(bulk='never', on_conflict={conflict.action!r}): bulk='never' "
            "creates every row with objects.create(), which has no ON CONFLICT; "
            "on_conflict writes with bulk_create: give bulk='auto' or 'always'"
        )
    if conflict.action == "skip" and conflict.target is not None:
        raise FactoryDefinitionError(
            f"{conflict.said()}: Django's bulk_create(ignore_conflicts=True) skips a "
            "conflict on any unique key and takes no target; leave on_conflict_target "
            "out, or use on_conflict='update'"
        )


def check_model(model: type[Any], alias: str, conflict: Conflict, always: bool) -> None:
    """Before a write: what ``bulk_create`` cannot do for ``model`` on ``alias``.

    Raises:
        FactoryDefinitionError: A database other than PostgreSQL and SQLite, a
            multi-table-inherited model, or (unless ``bulk="always"``) a model whose
            ``save()`` or ``pre_save``/``post_save`` receivers ``bulk_create`` skips.
    """
    name = model.__name__
    vendor = connections[alias].vendor
    if vendor not in _VENDORS:
        raise FactoryDefinitionError(
            f"{conflict.said()} writes with bulk_create's ON CONFLICT, which it supports "
            f"on PostgreSQL and SQLite; the database {alias!r} is {vendor}: use "
            "on_conflict='error' there"
        )
    meta = model._meta
    if any(p._meta.concrete_model is not meta.concrete_model for p in meta.get_parent_list()):
        raise FactoryDefinitionError(
            f"{conflict.said()} writes with bulk_create, which Django refuses for {name}, "
            "a multi-table-inherited model; use on_conflict='error' for it"
        )
    if not always and (
        model.save is not Model.save
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        raise FactoryDefinitionError(
            f"{conflict.said()} writes with bulk_create, which skips {name}.save() and its "
            "pre_save/post_save receivers; give bulk='always' to accept that, or use "
            "on_conflict='error'"
        )


def unique_keys(model: type[Any]) -> list[Key]:
    """The model's unique keys: unique fields, ``unique_together`` and plain
    ``UniqueConstraint`` (no condition, no expressions), in the order of their fields
    in the model, then the primary key."""
    meta = model._meta
    fields = list(meta.concrete_fields)
    position = {f: n for n, f in enumerate(fields)}
    found: dict[frozenset[Any], Key] = {}
    for field in fields:
        if field.unique and not field.primary_key:
            found.setdefault(frozenset([field]), (field,))
    groups = [tuple(names) for names in meta.unique_together]
    groups += [
        tuple(c.fields)
        for c in meta.total_unique_constraints
        if isinstance(c, UniqueConstraint) and c.fields
    ]
    for names in groups:
        key = tuple(meta.get_field(name) for name in names)
        found.setdefault(frozenset(key), key)
    keys = sorted(found.values(), key=lambda key: sorted(position[f] for f in key))
    keys.append((meta.pk,))
    return keys


def _names(key: Key) -> str:
    return "(" + ", ".join(field.name for field in key) + ")"


def _keys_said(keys: list[Key]) -> str:
    return ", ".join(_names(key) for key in keys)


def _plan(model: type[Any], conflict: Conflict) -> tuple[Key | None, list[Key]]:
    """The ``unique_fields`` of an update (None for a skip) and the keys to read the
    rows back by."""
    keys = unique_keys(model)
    name = model.__name__
    if conflict.target is not None:
        try:
            target = tuple(model._meta.get_field(field) for field in conflict.target)
        except Exception:
            target = ()
        if not target or frozenset(target) not in {frozenset(key) for key in keys}:
            raise FactoryDefinitionError(
                f"{conflict.said()}: {conflict.target!r} is not a unique key of {name} (a "
                "unique field, unique_together, a UniqueConstraint or the primary key); "
                f"its unique keys are: {_keys_said(keys)}"
            )
        return target, [target]
    if conflict.action == "skip":
        return None, keys
    others = keys[:-1]
    if len(others) > 1:
        raise FactoryDefinitionError(
            f"{conflict.said()} updates the row whose unique key is taken, but {name} has "
            f"{len(others)} unique keys besides its primary key: {_keys_said(others)}; say "
            "which one with on_conflict_target, as in DjangoBuilder(on_conflict='update', "
            f"on_conflict_target={tuple(f.name for f in others[0])!r})"
        )
    target = others[0] if others else keys[-1]
    return target, [target]


def write_rows(
    model: type[Any],
    alias: str,
    objs: list[Any],
    given: list[set[str]],
    conflict: Conflict,
) -> list[Any]:
    """Write ``objs`` (unsaved instances) with ``bulk_create``'s ON CONFLICT; the stored
    object of each, in order. ``given`` holds the field names each row gave: an update
    sets those (but the key's)."""
    target, lookups = _plan(model, conflict)
    values = [[_value(obj, key) for obj in objs] for key in lookups]
    usable = [n for n, key in enumerate(lookups) if any(v is not None for v in values[n])]
    if not usable:
        raise FactoryDefinitionError(
            f"{conflict.said()}: create_batch reads each row of {model.__name__} back by a "
            f"unique key that the row gives, and its rows give none of "
            f"{_keys_said(lookups)}"
        )
    manager = model._default_manager.using(alias)
    skipped: list[int] = []
    if conflict.action == "skip":
        # Read before the write: afterwards, a skipped row and a new one look alike.
        before = _stored(manager, objs, lookups, values, usable)
        skipped = skipped_rows(before, [values[n] for n in usable])
    if target is None:
        manager.bulk_create(objs, ignore_conflicts=True)
    else:
        fixed = {field.name for field in target} | {model._meta.pk.name}
        concrete = {f.name for f in model._meta.concrete_fields}
        names = sorted(set().union(*given) & concrete - fixed)
        for part in _rounds(objs, target):
            if names:
                manager.bulk_create(
                    part,
                    update_conflicts=True,
                    unique_fields=[field.name for field in target],
                    update_fields=names,
                )
            else:
                manager.bulk_create(part, ignore_conflicts=True)
    return _read_back(model, manager, objs, lookups, values, usable, conflict, skipped)


def _value(obj: Any, key: Key) -> Any:
    """The key's value of an unsaved object, as the database column holds it; None
    when a part of it is NULL (such a key never conflicts, nor finds anything)."""
    value = tuple(getattr(obj, field.attname) for field in key)
    return None if None in value else value


def _rounds(objs: list[Any], target: Key) -> Iterator[list[Any]]:
    """The objects in runs with no key twice (see the module)."""
    part: list[Any] = []
    seen: set[Any] = set()
    for obj in objs:
        value = _value(obj, target)
        if value is not None and value in seen:
            yield part
            part, seen = [], set()
        if value is not None:
            seen.add(value)
        part.append(obj)
    if part:
        yield part


def _read_back(
    model: type[Any],
    manager: Any,
    objs: list[Any],
    lookups: list[Key],
    values: list[list[Any]],
    usable: list[int],
    conflict: Conflict,
    skipped: list[int],
) -> list[Any]:
    """The stored object of each row, after the write; the rows it ``skipped`` reported
    found (:func:`~pyfactory.builders._conflict.report_found`)."""
    made = _stored(manager, objs, lookups, values, usable)
    left = [index for index, obj in enumerate(made) if obj is None]
    if left:
        index = left[0]
        raise BuilderError(
            f"{conflict.said()}: row {index} of {model.__name__} was neither written nor "
            f"found by its unique keys {_keys_said([lookups[n] for n in usable])}",
            attributes={},
            index=index,
        )
    report_found(skipped)
    return made


def _stored(
    manager: Any,
    objs: list[Any],
    lookups: list[Key],
    values: list[list[Any]],
    usable: list[int],
) -> list[Any]:
    """The stored object of each row, looked up by the first usable key that finds it
    (:func:`~pyfactory.builders._conflict.by_keys`); None for a row none finds."""

    def fetch(n: int, wanted: list[Any]) -> dict[Any, Any]:
        key = lookups[usable[n]]
        found: dict[Any, Any] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            if len(key) == 1:
                query = manager.filter(**{f"{key[0].attname}__in": [v[0] for v in part]})
            else:
                where = Q()
                for value in part:
                    where |= Q(**{f.attname: v for f, v in zip(key, value, strict=True)})
                query = manager.filter(where)
            for obj in query:
                found[tuple(getattr(obj, f.attname) for f in key)] = obj
        return found

    return by_keys([values[n] for n in usable], fetch, len(objs))
