"""The Django builder: :class:`DjangoBuilder` writes through the Django ORM.

The database is the context's ``using`` alias (``PostFactory(using="replica")``),
``"default"`` when the context has none; routers are not consulted, so the
transaction and the writes always go to the same database.

* ``create`` is ``Model._default_manager.using(alias).create(**fields)``: ``save()``
  and its signals run as for any object the application makes. Many-to-many values
  (either side) and reverse relations cannot go to the constructor; they are added
  once the row exists, through the related managers.
* ``many()`` and ``association()`` on a reverse relation (a ``ForeignKey``'s or
  ``OneToOneField``'s ``related_name``) make their rows after the object, each
  pointing at it. On a many-to-many field they make their rows first and link
  them once the object exists.
* ``create_many`` (what ``create_batch`` calls) writes each table with one
  ``bulk_create`` (an ``INSERT ... RETURNING``, so primary keys come back on
  PostgreSQL and SQLite 3.35+), and the many-to-many links of the whole batch
  with one ``bulk_create`` per link table. (On SQLite, Django splits a bulk insert
  so that no statement has more than 999 parameters: a few statements per table
  for a batch of thousands.) ``bulk_create`` skips ``save()`` and the
  ``pre_save``/``post_save``/``m2m_changed`` signals, so by default (``bulk="auto"``)
  a model that overrides ``save()`` or has receivers for those signals is written
  row by row instead; see :class:`DjangoBuilder`.
* With ``on_conflict="skip"`` or ``"update"``, ``create`` and ``create_batch`` write
  with ``bulk_create(ignore_conflicts=True)`` or ``bulk_create(update_conflicts=True)``
  and read the rows back (:mod:`~pyfactory.builders._django_conflict`).
* Each top-level ``create`` and ``create_batch`` runs in
  ``transaction.atomic(using=alias)``: a SAVEPOINT inside the caller's transaction
  (a test's, say), so a failure part way undoes exactly what that call wrote.
* ``build`` makes an unsaved instance. Django refuses related managers on an
  unsaved instance, so many-to-many and reverse many-to-one values are kept
  aside, readable with :func:`unsaved_related`; see :meth:`DjangoBuilder.build`.
* The async methods run their synchronous twins in Django's thread for database
  work (``sync_to_async``, which is also what Django's own ``acreate`` and
  ``abulk_create`` do), one hop per call rather than one per statement.
"""

from __future__ import annotations

import asyncio
import difflib
import reprlib
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, TypeVar

try:
    from asgiref.sync import sync_to_async
    from django.core.exceptions import FieldDoesNotExist
    from django.db import DEFAULT_DB_ALIAS, connections, transaction
    from django.db.models import Model
    from django.db.models.signals import m2m_changed, post_save, pre_save
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError(
        "pyfactory.builders.django needs Django: pip install 'pyfactory-schema[django]'"
    ) from exc

from pyfactory._context import Context
from pyfactory.builders import ModelBuilder, Reads, Relation
from pyfactory.builders._conflict import Conflict, OnConflict, conflict_repr, conflict_settings
from pyfactory.builders._django_conflict import check_builder, check_model, write_rows
from pyfactory.errors import FactoryDefinitionError, UsageError
from pyfactory.introspect import FieldInfo
from pyfactory.introspect._django_fields import is_django
from pyfactory.introspect._kinds import DJANGO, read_fields

if TYPE_CHECKING:
    from pyfactory.fields import SequencePattern

__all__ = ["DjangoBuilder", "unsaved_related"]

M = TypeVar("M")

Bulk = Literal["auto", "always", "never"]

_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _atomic_lock(alias: str) -> asyncio.Lock:
    """The lock that serializes the atomic blocks of acreate calls on one database
    alias, in the running event loop (an asyncio lock belongs to one loop)."""
    loop = asyncio.get_running_loop()
    per_alias = _locks.setdefault(loop, {})
    lock = per_alias.get(alias)
    if lock is None:
        lock = per_alias[alias] = asyncio.Lock()
    return lock


#: The aliases whose lock this task (and the tasks it starts) holds: an acreate made
#: inside another (by a hook, say) runs inside it instead of waiting for it.
_held: ContextVar[frozenset[str]] = ContextVar("pyfactory_aliases_held", default=frozenset())


@asynccontextmanager
async def _alias_turn(alias: str) -> AsyncIterator[None]:
    """Wait for the alias's turn (see :func:`_atomic_lock`), unless this task has it."""
    held = _held.get()
    if alias in held:
        yield
        return
    async with _atomic_lock(alias):
        token = _held.set(held | {alias})
        try:
            yield
        finally:
            _held.reset(token)


#: The instance attribute where ``build`` keeps related values it cannot set.
_UNSAVED = "_pyfactory_unsaved_related"


def unsaved_related(instance: Any) -> dict[str, list[Any]]:
    """The many-to-many and reverse many-to-one values that ``build`` could not set.

    Django refuses ``post.tags`` and ``post.comment_set`` on an instance that has no
    primary key, so :meth:`DjangoBuilder.build` keeps those values here instead:
    ``unsaved_related(post)["tags"]`` is the list of built tags. The children of a
    reverse relation also point at the instance (``comment.post is post``), as they
    would once created. Empty for an instance that ``build`` did not make.

    .. versionadded:: 0.1
    """
    found: dict[str, list[Any]] = getattr(instance, _UNSAVED, {})
    return dict(found)


class _Link:
    """A many-to-many relation seen from one model: rows of its through table."""

    __slots__ = ("other", "other_key", "own", "own_key", "symmetrical", "through")

    def __init__(self, through: Any, own: str, other: str, symmetrical: bool) -> None:
        meta = through._meta
        own_fk = meta.get_field(own)
        other_fk = meta.get_field(other)
        self.through = through
        #: The through table's column for this model, and the attribute it holds.
        self.own = own_fk.attname
        self.own_key = own_fk.target_field.attname
        #: The same for the related model.
        self.other = other_fk.attname
        self.other_key = other_fk.target_field.attname
        #: A symmetrical link to the same model is written both ways, as Django does.
        self.symmetrical = symmetrical

    def pairs(self, model: type[Any], name: str, obj: Any, values: Iterable[Any]) -> list[Any]:
        """The (own key, other key) pairs that link ``obj`` to ``values``, without repeats."""
        own = getattr(obj, self.own_key)
        pairs = []
        for value in values:
            other = getattr(value, self.other_key) if isinstance(value, Model) else value
            if other is None:
                raise ValueError(
                    f"{model.__name__}.{name} was given {value!r}, which is not saved; "
                    "create it first"
                )
            pairs.append((own, other))
            if self.symmetrical:
                pairs.append((other, own))
        return list(dict.fromkeys(pairs))

    def rows(self, pairs: Iterable[tuple[Any, Any]]) -> list[Any]:
        return [self.through(**{self.own: own, self.other: other}) for own, other in pairs]


class _Shape:
    """What the builder needs to know of one model's relations, worked out once."""

    __slots__ = ("children", "links", "one", "special")

    def __init__(self, model: type[Any]) -> None:
        meta = model._meta
        #: Many-to-many accessors, forward and reverse → their through table.
        self.links: dict[str, _Link] = {}
        #: Reverse many-to-one accessors (``post.comment_set``) → the relation.
        self.children: dict[str, Any] = {}
        #: Reverse one-to-one accessors (``author.profile``) → the relation.
        self.one: dict[str, Any] = {}
        for field in meta.many_to_many:
            through = field.remote_field.through
            self.links[field.name] = _Link(
                through,
                field.m2m_field_name(),
                field.m2m_reverse_field_name(),
                bool(field.remote_field.symmetrical),
            )
        for rel in meta.related_objects:
            name = rel.get_accessor_name()
            if not name or name.endswith("+"):
                continue
            if rel.many_to_many:
                forward = rel.field
                self.links[name] = _Link(
                    forward.remote_field.through,
                    forward.m2m_reverse_field_name(),
                    forward.m2m_field_name(),
                    False,
                )
            elif rel.one_to_one:
                self.one[name] = rel
            else:
                self.children[name] = rel
        #: Every name that cannot go to the model's constructor.
        self.special = frozenset(self.links) | frozenset(self.children) | frozenset(self.one)

    def split(self, attributes: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
        """The constructor's keyword arguments, and the related values to set after."""
        special = self.special
        if not special or special.isdisjoint(attributes):
            return attributes, []
        fields = {}
        related = []
        for key, value in attributes.items():
            if key in special:
                related.append((key, value))
            else:
                fields[key] = value
        return fields, related

    def attach(self, model: type[Any], obj: Any, name: str, value: Any, alias: str) -> None:
        """Set a related value on a saved ``obj`` the way Django's managers do."""
        rel = self.one.get(name)
        if rel is not None:
            if value is None:
                return
            setattr(value, rel.field.name, obj)
            if value._state.adding:
                value.save(using=alias)
            else:
                value.save(using=alias, update_fields=[rel.field.name])
            return
        values = _as_list(model, name, value)
        if not values:
            return
        manager = getattr(obj, name).db_manager(alias)
        if name in self.children:
            # Saved children move with one UPDATE; unsaved ones are saved one by one.
            saved = all(isinstance(v, Model) and not v._state.adding for v in values)
            manager.add(*values, bulk=saved)
        else:
            manager.add(*values)


def _as_list(model: type[Any], name: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, Model)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{model.__name__}.{name} takes a list of objects (or primary keys), got {value!r}"
        )
    return list(value)


def _check_field(model: type[Any], shape: _Shape, name: str) -> None:
    """Refuse a key that makes rows (an ``association`` or ``many``) but names neither a
    field nor a reverse relation of ``model``.

    Left alone, its rows would be made before the object, as for a foreign key, and
    fail on their own table (a NOT NULL foreign key to the object, which does not exist
    yet) with no word of the key. The usual cause is a reverse relation named other
    than by its accessor (``organisations`` for ``organisation_set``, or for the
    ``related_name``): the message lists the accessors and suggests the closest name.

    Raises:
        FactoryDefinitionError: ``name`` is not a field, reverse accessor or property.
    """
    from django.core.exceptions import FieldDoesNotExist

    meta = model._meta
    try:
        field = meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is not None and not field.auto_created:
        return  # a field of the model's own (a foreign key, say: its row comes first)
    if field is None and name in getattr(meta, "_property_names", ()):
        return  # a property the constructor sets
    forward = {f.name for f in meta.many_to_many}
    accessors = sorted(n for n in shape.special if n not in forward)
    fields = sorted(f.name for f in meta.get_fields() if not f.auto_created or f.concrete)
    known = [*accessors, *fields]
    guess = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {guess[0]!r}?)" if guess else ""
    what = f"{model.__name__} has no field or reverse relation {name!r}"
    if field is not None:
        # The reverse relation's query name (``comment`` for ``post.comment_set``).
        accessor = field.get_accessor_name()
        what = (
            f"{name!r} is the query name of {model.__name__}'s reverse relation from "
            f"{field.related_model.__name__}.{field.field.name}; "
            f"a factory names it by its accessor, {accessor!r}"
        )
        hint = ""
    raise FactoryDefinitionError(
        f"{what}{hint}; its reverse relations (by accessor) are: "
        f"{', '.join(accessors) or 'none'}; its fields are: {', '.join(fields)}"
    )


_shapes: dict[type[Any], _Shape] = {}


def _shape(model: type[Any]) -> _Shape:
    shape = _shapes.get(model)
    if shape is None:
        shape = _shapes[model] = _Shape(model)
    return shape


@contextmanager
def _watched(alias: str | None) -> Iterator[Reads]:
    """Every statement on the connection of ``alias`` of the thread that enters the
    block (none without an alias: the write then says what is wrong with it)."""
    read = Reads()
    if alias is None:
        yield read
        return

    def noticed(execute: Any, sql: str, params: Any, many: bool, ctx: Any) -> Any:
        read.note(sql)
        return execute(sql, params, many, ctx)

    with connections[alias].execute_wrapper(noticed):
        yield read


class DjangoBuilder(ModelBuilder[M]):
    """Creates rows through the Django ORM, in the database named by the context's ``using``.

    Args:
        bulk: How ``create_batch`` writes. ``"auto"`` (the default) writes each table
            with one ``bulk_create``, except for a model that overrides ``save()`` or
            has ``pre_save``/``post_save`` receivers (``bulk_create`` would skip
            them), whose rows are created one by one; many-to-many links go in one
            ``bulk_create`` per link table unless it has ``m2m_changed`` receivers.
            ``"always"`` uses ``bulk_create`` even then, skipping ``save()`` and
            those signals, for speed. ``"never"`` creates every row with
            ``objects.create()``. Whatever the choice, a multi-table-inherited
            model, which ``bulk_create`` refuses, and a database that cannot return
            the keys of a bulk insert (MySQL) get one ``create()`` per row.
        on_conflict: What ``create`` and ``create_batch`` do with a row whose unique
            key is stored already: ``"error"`` (the default) fails the call; ``"skip"``
            keeps the stored row (``bulk_create(ignore_conflicts=True)``); ``"update"``
            overwrites its other fields with those the row gives
            (``bulk_create(update_conflicts=True, unique_fields=..., update_fields=...)``).
            Either hands back one object per row, the stored one for a skipped row.
            PostgreSQL and SQLite; it writes with ``bulk_create``, so not with
            ``bulk="never"``, and, for a model with its own ``save()`` or
            ``pre_save``/``post_save`` receivers, only with ``bulk="always"``.
        on_conflict_target: For ``"update"``: the field names of the unique key to
            look at (``unique_fields``), such as ``("email",)``; by default the model's
            one unique key besides the primary key, else the primary key.

    .. versionadded:: 0.1
    .. versionchanged:: 1.1
       ``on_conflict`` and ``on_conflict_target``.
    """

    context_keys = frozenset({"using"})
    writes_to_database = True

    # What a builder whose subclass's __init__ does not call this one's does: "error".
    on_conflict: OnConflict = "error"
    on_conflict_target: tuple[str, ...] | None = None
    _conflict: Conflict | None = None

    def supports(self, model: type[Any]) -> bool:
        """Whether ``model`` is a Django model class."""
        return is_django(model)

    def __init__(
        self,
        bulk: Bulk = "auto",
        *,
        on_conflict: OnConflict = "error",
        on_conflict_target: tuple[str, ...] | str | None = None,
    ) -> None:
        if bulk not in ("auto", "always", "never"):
            raise FactoryDefinitionError(
                f"DjangoBuilder bulk is 'auto', 'always' or 'never', not {bulk!r}"
            )
        self.bulk = bulk
        name = type(self).__name__
        self.on_conflict, self.on_conflict_target, self._conflict = conflict_settings(
            name, on_conflict, on_conflict_target
        )
        check_builder(self._conflict, bulk)

    def __repr__(self) -> str:
        more = conflict_repr(self.on_conflict, self.on_conflict_target)
        return f"{type(self).__name__}(bulk={self.bulk!r}{more})"

    def using(self, context: Context) -> str:
        """The database alias from the context's ``using``; ``"default"`` when absent.

        Raises:
            UsageError: ``settings.DATABASES`` has no database of that name.
        """
        alias = context.get("using", DEFAULT_DB_ALIAS)
        if isinstance(alias, str) and alias in connections.settings:
            return alias
        have = ", ".join(repr(a) for a in connections.settings) or "none"
        if not isinstance(alias, str):
            raise UsageError(
                f"the context's using is {reprlib.repr(alias)} ({type(alias).__name__}), "
                "which is not a database alias: DjangoBuilder takes the name of a database "
                f"of settings.DATABASES, a string; its aliases are: {have}"
            )
        raise UsageError(
            f"{context.owner} was given using={alias!r}, but settings.DATABASES has "
            f"no such database; its aliases are: {have}"
        )

    # ------------------------------------------------------------ relations

    def fields(self, model: type[M]) -> list[FieldInfo]:
        """The model's fields, then its reverse relations, as
        :class:`~pyfactory.introspect.FieldInfo` records.

        Raises:
            FactoryDefinitionError: ``model`` is not a Django model.
        """
        return read_fields(model, (DJANGO,))

    def relation(self, model: type[M], name: str) -> Relation | None:
        """Reverse foreign keys and one-to-ones are made after the object, pointing at it.

        Many-to-many fields answer ``None``: their rows are made first, like any
        value, and linked once the object exists (in bulk under ``create_batch``).
        """
        if not hasattr(model, "_meta"):
            return None
        shape = _shape(model)
        rel = shape.children.get(name) or shape.one.get(name)
        if rel is None:
            if name not in shape.links:
                _check_field(model, shape, name)
            return None
        field_name = rel.field.name
        return Relation("children", back=lambda parent: {field_name: parent})

    def link(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        # The rows point at the instance already. A reverse one-to-one is cached on it;
        # a prefetched set would now be stale, so it goes (the next read queries).
        shape = _shape(type(instance))
        rel = shape.one.get(name)
        if rel is not None:
            rel.set_cached_value(instance, related[0] if related else None)
            return
        if instance.pk is None:  # type: ignore[attr-defined]
            # Built, not saved: no related manager exists, so keep them aside.
            kept = dict(getattr(instance, _UNSAVED, {}))
            kept[name] = list(related)
            setattr(instance, _UNSAVED, kept)
            return
        cache = getattr(instance, "_prefetched_objects_cache", None)
        if cache:
            cache.pop(name, None)

    def add(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        """Add through the related manager (a link-table row for a many-to-many, the
        foreign key of each child for a reverse foreign key). On an instance that
        ``build`` made, the objects join those kept for :func:`unsaved_related`.

        Raises:
            TypeError: ``name`` is neither a many-to-many field (either side) nor a
                reverse foreign key of the model.
        """
        model = type(instance)
        shape = _shape(model)
        if name not in shape.links and name not in shape.children:
            have = ", ".join(sorted({*shape.links, *shape.children})) or "none"
            raise TypeError(
                f"{model.__name__}.{name} is not a many-to-many field or a reverse foreign "
                f"key; the collections of {model.__name__} are: {have}"
            )
        if instance.pk is None:  # type: ignore[attr-defined]
            kept = dict(getattr(instance, _UNSAVED, {}))
            values = list(kept.get(name, ()))
            values.extend(r for r in related if not any(r is v for v in values))
            kept[name] = values
            setattr(instance, _UNSAVED, kept)
            rel = shape.children.get(name)
            if rel is not None:
                for child in related:
                    setattr(child, rel.field.name, instance)
            return
        shape.attach(model, instance, name, list(related), self.using(context))

    async def aadd(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        """:meth:`add` in the thread where Django's database work runs."""
        await sync_to_async(self.add)(instance, name, related, context)

    # ------------------------------------------------------------ build

    def build(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        """An unsaved instance; nothing is written and no database is needed.

        Fields and forward relations are set as ``model(**fields)`` sets them. A
        reverse one-to-one is cached on the instance (``author.profile`` reads the
        built profile). Django allows no related manager on an unsaved instance, so
        many-to-many values and the children of a reverse foreign key are kept
        aside instead, for :func:`unsaved_related`; those children are pointed at
        the instance (``comment.post is post``).
        """
        shape = _shape(model)
        fields, related = shape.split(attributes)
        obj = model(**fields)
        kept: dict[str, list[Any]] = {}
        for name, value in related:
            rel = shape.one.get(name)
            if rel is not None:
                if value is not None:
                    setattr(value, rel.field.name, obj)
                continue
            values = _as_list(model, name, value)
            rel = shape.children.get(name)
            if rel is not None:
                for child in values:
                    if isinstance(child, Model):
                        setattr(child, rel.field.name, obj)
            kept[name] = values
        if kept:
            setattr(obj, _UNSAVED, kept)
        return obj

    # ------------------------------------------------------------ create

    def create(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        if self._conflict is not None:
            return self.create_many(model, [attributes], context)[0]
        alias = self.using(context)
        shape = _shape(model)
        fields, related = shape.split(attributes)
        obj = model._default_manager.using(alias).create(**fields)  # type: ignore[attr-defined]
        for name, value in related:
            shape.attach(model, obj, name, value, alias)
        return obj  # type: ignore[no-any-return]

    def create_many(self, model: type[M], rows: list[dict[str, Any]], context: Context) -> list[M]:
        alias = self.using(context)
        conflict = self._conflict
        if conflict is not None:
            check_model(model, alias, conflict, self.bulk == "always")
        elif not self._bulk_ready(model, alias):
            return [self.create(model, row, context) for row in rows]
        shape = _shape(model)
        split = [shape.split(row) for row in rows]
        objs = [model(**fields) for fields, _ in split]
        if conflict is None:
            model._default_manager.using(alias).bulk_create(objs)  # type: ignore[attr-defined]
        else:
            given = [set(fields) for fields, _ in split]
            objs = write_rows(model, alias, objs, given, conflict)
        pairs: dict[Any, dict[tuple[Any, Any], None]] = {}
        for obj, (_, related) in zip(objs, split, strict=True):
            for name, value in related:
                link = shape.links.get(name)
                if link is not None and self._links_in_bulk(link):
                    found = link.pairs(model, name, obj, _as_list(model, name, value))
                    pairs.setdefault(link, {}).update(dict.fromkeys(found))
                else:
                    shape.attach(model, obj, name, value, alias)
        for link, linked in pairs.items():
            if linked:
                # Under on_conflict, a link that is stored already stays as it is.
                link.through._default_manager.using(alias).bulk_create(
                    link.rows(linked), ignore_conflicts=conflict is not None
                )
        return objs

    def _bulk_ready(self, model: type[Any], alias: str) -> bool:
        """Whether one ``bulk_create`` can stand for a ``create()`` per row."""
        if self.bulk == "never":
            return False
        meta = model._meta
        if any(p._meta.concrete_model is not meta.concrete_model for p in meta.get_parent_list()):
            return False
        if not connections[alias].features.can_return_rows_from_bulk_insert:
            return False
        if self.bulk == "always":
            return True
        return not (
            model.save is not Model.save
            or pre_save.has_listeners(model)
            or post_save.has_listeners(model)
        )

    def _links_in_bulk(self, link: _Link) -> bool:
        return self.bulk == "always" or not m2m_changed.has_listeners(link.through)

    def get(self, model: type[M], lookup: dict[str, Any], context: Context) -> M | None:
        manager = model._default_manager  # type: ignore[attr-defined]
        return manager.using(self.using(context)).filter(**lookup).first()  # type: ignore[no-any-return]

    def transaction(self, context: Context) -> AbstractContextManager[Any]:
        """``transaction.atomic(using=alias)``: a SAVEPOINT inside an open transaction."""
        alias = self._alias_for_transaction(context)
        if alias is None:
            return nullcontext()  # create() says what is wrong with using, with the path
        return transaction.atomic(using=alias)  # type: ignore[no-any-return]

    def reads(self, context: Context) -> AbstractContextManager[Reads]:
        """Every ``SELECT`` on the context's database alias, in this thread (where a
        synchronous batch runs)."""
        return _watched(self._alias_for_transaction(context))

    @asynccontextmanager
    async def areads(self, context: Context) -> AsyncIterator[Reads]:
        """Every ``SELECT`` on the context's database alias in the thread where
        ``sync_to_async`` runs Django's database work, where the queries of an
        ``acreate_batch`` row go (Django's connections belong to their thread)."""
        watch = _watched(self._alias_for_transaction(context))
        read = await sync_to_async(watch.__enter__)()
        try:
            yield read
        finally:
            await sync_to_async(watch.__exit__)(None, None, None)

    def _alias_for_transaction(self, context: Context) -> str | None:
        """The alias a call's atomic block goes in; None when the context's ``using`` names
        no database, which the create itself reports (its error then has the path)."""
        try:
            return self.using(context)
        except UsageError:
            return None

    # ------------------------------------------------------------ async

    async def acreate(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        return await sync_to_async(self.create)(model, attributes, context)

    async def acreate_many(
        self, model: type[M], rows: list[dict[str, Any]], context: Context
    ) -> list[M]:
        return await sync_to_async(self.create_many)(model, rows, context)

    async def aget(self, model: type[M], lookup: dict[str, Any], context: Context) -> M | None:
        return await sync_to_async(self.get)(model, lookup, context)

    @asynccontextmanager
    async def atransaction(self, context: Context) -> AsyncIterator[None]:
        """:meth:`transaction` for ``acreate``: the atomic block is entered and left in
        the thread where ``sync_to_async`` runs Django's database work, so it covers
        every write of the call (code of your own that runs in another thread, as
        ``sync_to_async(thread_sensitive=False)`` does, is outside it)."""
        alias = self._alias_for_transaction(context)
        if alias is None:
            yield  # acreate() says what is wrong with using, with the factory's path
            return
        atomic = transaction.atomic(using=alias)
        # Concurrent acreate calls share the one thread (and connection) that runs
        # Django's database work: their atomic blocks must not interleave.
        async with _alias_turn(alias):
            await sync_to_async(atomic.__enter__)()
            try:
                yield
            except BaseException as error:
                await sync_to_async(atomic.__exit__)(type(error), error, error.__traceback__)
                raise
            await sync_to_async(atomic.__exit__)(None, None, None)

    # ------------------------------------------------------------ sequences

    def highest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        """The highest number of a ``resume=True`` sequence stored in ``model.field``, in
        the context's ``using`` database.

        .. versionadded:: 1.0
        """
        try:
            column = model._meta.get_field(field)  # type: ignore[attr-defined]
        except FieldDoesNotExist:
            column = None
        if column is None or not getattr(column, "concrete", False) or column.is_relation:
            raise FactoryDefinitionError(
                f"sequence({pattern.template!r}, resume=True) reads the stored values of "
                f"its field, but {model.__name__} has no column {field!r}; resume works on "
                "a field that the model stores in a column of its own"
            )
        lookup = {}
        if pattern.prefix:
            lookup[f"{field}__startswith"] = pattern.prefix
        if pattern.suffix:
            lookup[f"{field}__endswith"] = pattern.suffix
        manager = model._default_manager  # type: ignore[attr-defined]
        values = manager.using(self.using(context)).filter(**lookup).values_list(field, flat=True)
        return pattern.highest(values.iterator(chunk_size=2_000))

    async def ahighest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        return await sync_to_async(self.highest_sequence)(model, field, pattern, context)
