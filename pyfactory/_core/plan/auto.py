"""Auto-filled fields: ``@schema(auto=True)`` and :func:`factory_for`.

The schema's dict is laid over a layer of special fields made from the model's
own field information (``builder.fields(model)``): one :class:`AutoField` per
field to fill, with the generator :func:`pyfactory.autofill.resolve_generator`
picks, and an association for a many-to-one relation and for a field typed with
another model (to ``factory_for`` that model, so that ``author__name=...`` reaches
it). A foreign key column that no relationship sets takes the referenced attribute
of an association to the referenced class's factory. A field that the constructor
takes under an alias is still given by name, and handed over under the alias. A
unique field has one tracker for every layer of its factory, and a group of fields
unique together has one field that draws again until the combination is new. The
layer depends only on the factory class, the mode and the keys the schema gives, so
it is made once and cached.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, get_args, get_origin

from pyfactory._core.plan.autofield import AutoField, _builder_towards
from pyfactory.errors import FactoryDefinitionError
from pyfactory.fields import OMIT, AssociationField, SpecialField, TransientField

if TYPE_CHECKING:
    from pyfactory._core.resolution.resolver import FieldContext, Resolution
    from pyfactory._factory import Factory
    from pyfactory.autofill import Generator, UniqueTracker
    from pyfactory.autofill._unique import UniqueCombinations as _Combinations
    from pyfactory.introspect import FieldInfo
    from pyfactory.introspect._sqlalchemy_fields import ForeignKeyTarget

__all__ = ["AutoField", "auto_layer"]

_RELATIONS_FILLED = ("many_to_one", "one_to_one")


def _mappings(cls: type[Any], name: str) -> dict[Any, Any]:
    """A mapping class attribute merged along the MRO, a subclass's entries winning."""
    merged: dict[Any, Any] = {}
    for klass in reversed(cls.__mro__):
        found = klass.__dict__.get(name)
        if found is not None:
            if not isinstance(found, Mapping):
                raise FactoryDefinitionError(
                    f"{klass.__name__}.{name} must be a mapping, got {found!r}"
                )
            merged.update(found)
    return merged


_layers: dict[tuple[type[Any], str | bool, frozenset[str]], dict[str, Any]] = {}
_fields: dict[type[Any], list[FieldInfo]] = {}
_lock = threading.Lock()


def _fields_of(cls: type[Factory[Any]]) -> list[FieldInfo]:
    found = _fields.get(cls)
    if found is None:
        found = _fields[cls] = list(cls._pf_builder.fields(cls._model))
    return found


def auto_layer(cls: type[Factory[Any]], mode: bool | str, given: frozenset[str]) -> dict[str, Any]:
    """The special fields that fill what the schema leaves out, for ``cls``.

    Args:
        cls: The factory class.
        mode: ``True`` fills the fields the model cannot be made without;
            ``"all"`` fills every field that is not left alone.
        given: The keys the schema and its traits give.
    """
    key = (cls, mode, given)
    cached = _layers.get(key)
    if cached is not None:
        return cached
    from pyfactory.autofill import UniqueTracker, resolve_generator

    chance = cls._nullable_probability
    if isinstance(chance, bool) or not isinstance(chance, int | float) or not 0 <= chance <= 1:
        raise FactoryDefinitionError(
            f"{cls.__name__}._nullable_probability must be a number from 0 to 1, got {chance!r}"
        )
    names = _mappings(cls, "_name_mappings")
    types = _mappings(cls, "_type_mappings")
    fields = _fields_of(cls)
    model = cls._model.__name__
    layer: dict[str, Any] = {}
    covered = _relations(cls, mode, given, names, layer)
    keys_of = _ForeignKeys(cls)
    for info in fields:
        name = info.name
        if name in given or name in covered or name in layer or _alias_given(info, given):
            continue
        if info.relation is not None and not _named(names, name):
            continue
        if mode is True and not info.required:
            continue
        if info.relation is None and info.extra.get("references") and not _named(names, name):
            target = keys_of.target(info.name)
            if target is not None:
                # A foreign key column that no relationship sets: its row comes first.
                field = keys_of.field(info, target)
                if field is not None:
                    layer[name] = field
                continue
            # Else the key that joins a subclass's table to its parent's: a plain value.
        if info.relation is None and not _named(names, name):
            association = _nested_association(cls, mode, info, types)
            if association is not None:
                layer[name] = association
                continue
        generator = resolve_generator(
            info,
            names,
            types,
            factory=cls.__name__,
            model=model,
            nullable_probability=float(chance),
        )
        if generator is None:
            continue
        if isinstance(generator, UniqueTracker):
            generator = _one_tracker(cls, name, generator)
        layer[name] = AutoField(generator, info, cls)
    _unique_together(cls, layer, fields, given)
    from pyfactory._core.plan.checked import check_layer

    check_layer(cls, layer, fields, given)
    _by_alias(layer, fields, given)
    with _lock:
        _layers[key] = layer
    return layer


def _relations(
    cls: type[Factory[Any]],
    mode: bool | str,
    given: frozenset[str],
    names: Mapping[str, Any],
    layer: dict[str, Any],
) -> set[str]:
    """Put an association in ``layer`` for each relation that auto-filling makes a row
    for; the key columns of every such relation, which are not filled on their own."""
    fields = _fields_of(cls)
    covered: set[str] = set()
    for info in fields:
        keys = _filled_keys(info)
        if keys is None:
            continue
        covered.update(keys)
        if info.name in given or any(k in given for k in keys):
            continue
        required = info.required or _any_required(fields, keys)
        if (mode == "all" or required) and not _named(names, info.name):
            related = info.related_model
            assert related is not None
            if required:
                _check_circle(cls, info.name, related)
            made = cls._pf_factory_for(related, cls._pf_builder)
            layer[info.name] = _KeyedAssociation(made, keys) if keys else AssociationField(made)
    return covered


def _nested_association(
    cls: type[Factory[Any]], mode: bool | str, info: FieldInfo, types: Mapping[Any, Any]
) -> AssociationField | None:
    """For a field typed with another model, an association to ``factory_for`` that
    model, which ``key__field`` overrides reach; ``None`` for any other field.

    A required field gets one; ``auto="all"`` gives one to an optional field too. A
    required ``Optional[Model]`` stays ``None`` under ``auto=True``, as its generator
    makes it: following a model that refers to its own kind could go on forever.
    """
    nested = _nested(info, types)
    if nested is None:
        return None
    related, nullable = nested
    if mode != "all" and nullable:
        return None
    if info.required and not nullable:
        _check_circle(cls, info.name, related)
    return AssociationField(cls._pf_factory_for(related, _builder_towards(cls, related)))


def _nested(info: FieldInfo, types: Mapping[Any, Any]) -> tuple[type[Any], bool] | None:
    """For a plain field typed with another model (``Author``, ``Author | None``), the
    model and whether the field also takes ``None``; else ``None``. A ``_type_mappings``
    entry for the type wins, as it does for the generated value."""
    from pyfactory.autofill._common import _MISSING
    from pyfactory.autofill._lookup import _is_model, _lookup_type
    from pyfactory.autofill._spec import _spec_of_field

    if info.choices is not None:
        return None
    spec = _spec_of_field(info)
    tp = spec.type
    if spec.json or not isinstance(tp, type) or get_origin(tp) is not None or not _is_model(tp):
        return None
    if types and _lookup_type(types, info.type) is not _MISSING:
        return None
    return tp, bool(info.nullable or spec.nullable)


def _alias_given(info: FieldInfo, given: frozenset[str]) -> bool:
    alias = info.extra.get("alias")
    return alias is not None and alias in given


def _by_alias(layer: dict[str, Any], fields: list[FieldInfo], given: frozenset[str]) -> None:
    """Hand the constructor the fields it takes under another keyword under that one.

    A pydantic field with an alias (and no ``populate_by_name``), or an attrs field
    with an alias (``_secret`` is ``__init__``'s ``secret``), is still given by name in
    the schema and the overrides. The name's value becomes transient, read by a field
    under the alias; a schema that gives the alias itself keeps it as it is.
    """
    aliases = {
        info.name: alias
        for info in fields
        if (alias := info.extra.get("alias"))
        and not info.extra.get("populate_by_name")
        and alias not in given
    }
    if not aliases:
        return
    before = dict(layer)
    layer.clear()
    for name in [*before, *(n for n in aliases if n not in before)]:
        filler = before.get(name, OMIT)
        alias = aliases.get(name)
        if alias is None:
            layer[name] = filler
        else:
            if isinstance(filler, SpecialField) and filler.takes_overrides:
                layer[name] = _NameOverridable(filler)
            else:
                layer[name] = _Name(filler)
            layer[alias] = _ByName(name)


class _Name(TransientField[Any]):
    """The value of a field that the constructor takes under its alias: read by name,
    never built under it (see :class:`_ByName`)."""

    __slots__ = ()

    def describe(self) -> str:
        default = self.default
        if isinstance(default, SpecialField):
            return default.describe()
        return "field given under its alias"


class _NameOverridable(_Name):
    """A :class:`_Name` over an association, which ``key__field`` overrides reach."""

    __slots__ = ()
    takes_overrides = True


class _ByName(SpecialField[Any]):
    """The value of the field ``name``, under the keyword the constructor takes."""

    __slots__ = ("name",)
    takes_overrides = False

    def __init__(self, name: str) -> None:
        self.name = name

    def resolve(self, ctx: FieldContext) -> Any:
        return ctx.attrs.get(self.name, OMIT)

    def describe(self) -> str:
        return f"the value of {self.name!r} under its alias"


class _KeyedAssociation(AssociationField):
    """The association of a relation whose key columns the call may give instead
    (``create(author_id=...)``): then it makes no row, and the key given stays."""

    __slots__ = ("keys",)

    def __init__(self, factory: type[Factory[Any]], keys: tuple[str, ...]) -> None:
        super().__init__(factory)
        self.keys = keys

    def resolve(self, ctx: Resolution) -> Any:  # type: ignore[override]
        if self._keys_given(ctx):
            return OMIT
        return super().resolve(ctx)

    async def aresolve(self, ctx: Resolution) -> Any:  # type: ignore[override]
        if self._keys_given(ctx):
            return OMIT
        return await super().aresolve(ctx)

    def _keys_given(self, ctx: Resolution) -> bool:
        # The layer leaves the key columns out, so one is there only if the call gave it.
        attrs = ctx.attrs
        return any(key in attrs for key in self.keys)


def _one_tracker(cls: type[Factory[Any]], name: str, made: UniqueTracker) -> UniqueTracker:
    """The one tracker of a unique field for all the layers of ``cls`` (its schemas,
    with their different given keys), so that they never give the same value twice;
    it shares its record of values with the other factories of the same model."""
    with _lock:
        tracker = _unique_fields.setdefault((cls, name), made)
        if tracker is made:
            # Every factory of the model fills the same column: one record of values.
            first = _unique_columns.setdefault((cls._model, name), made)
            if first is not made:
                made.share(first)
            _trackers.setdefault(cls, []).append(made)
    return tracker


def _filled_keys(info: FieldInfo) -> tuple[str, ...] | None:
    """For a relation that auto-filling makes a row for (a many-to-one, or a one-to-one
    whose key this model holds), the names of the key columns it sets; else ``None``.
    A view-only relationship sets nothing: its columns are filled as plain foreign keys."""
    if (
        info.relation not in _RELATIONS_FILLED
        or info.related_model is None
        or info.extra.get("viewonly")
    ):
        return None
    keys = tuple(info.foreign_keys or ())
    if keys or info.relation == "many_to_one":
        return keys
    return None


def _any_required(fields: list[FieldInfo], keys: tuple[str, ...]) -> bool:
    return any(f.name in keys and f.required for f in fields)


def _required_references(cls: type[Factory[Any]]) -> list[tuple[str, type[Any]]]:
    """``(field, related model)`` for each row that ``cls``'s auto-filling must make
    before its own when the schema gives nothing: required relations, required
    foreign key columns and required fields typed with another model."""
    fields = _fields_of(cls)
    found: list[tuple[str, type[Any]]] = []
    covered: set[str] = set()
    for info in fields:
        keys = _filled_keys(info)
        if keys is not None:
            covered.update(keys)
            if (info.required or _any_required(fields, keys)) and info.related_model is not None:
                found.append((info.name, info.related_model))
        elif info.relation is None and info.required:
            nested = _nested(info, {})
            if nested is not None and not nested[1]:
                found.append((info.name, nested[0]))
    targets = _targets_of(cls._model)
    for info in fields:
        target = targets.get(info.name)
        if (
            target is not None
            and target.model is not None
            and info.required
            and info.relation is None
            and info.name not in covered
            and not info.server_generated
        ):
            found.append((info.name, target.model))
    return found


def _check_circle(cls: type[Factory[Any]], name: str, related: type[Any]) -> None:
    """Refuse a required reference that leads back to the factory's own model through
    other required references: each row would need another made before it, forever."""
    model = cls._model
    start = f"{model.__name__}.{name}"
    todo: list[tuple[type[Any], type[Factory[Any]], list[str]]] = [(related, cls, [start])]
    seen: set[type[Any]] = set()
    while todo:
        current, parent, path = todo.pop()
        if _is_kind(current, model):
            chain = " → ".join([*path, current.__name__])
            raise FactoryDefinitionError(
                f"{cls.__name__}: cannot fill {start}: the required references {chain} go "
                "round in a circle, so every row would need another made before it; give "
                f"{name!r} a value in the schema or map it with _name_mappings = "
                f"{{{name!r}: lambda faker, field: ...}}"
            )
        if current in seen:
            continue
        seen.add(current)
        made = parent._pf_factory_for(current, _builder_towards(parent, current))
        for field, target in _required_references(made):
            todo.append((target, made, [*path, f"{current.__name__}.{field}"]))


def _is_kind(current: type[Any], model: Any) -> bool:
    """Whether ``current`` is ``model`` or a subclass (a ``TypedDict`` refuses the check)."""
    if current is model:
        return True
    try:
        return isinstance(model, type) and issubclass(current, model)
    except TypeError:
        return False


def _named(names: Mapping[str, Any], name: str) -> bool:
    """Whether the factory's ``_name_mappings`` (names or globs) say how to fill ``name``."""
    from pyfactory.autofill._common import _MISSING
    from pyfactory.autofill._lookup import _lookup_name

    return _lookup_name(names, name) is not _MISSING


class _ForeignKeys:
    """The fields for a factory's foreign key columns that no relationship sets.

    Each is the referenced column's attribute of an association to
    ``factory_for(Related)``: under ``create`` the related row is written first (and
    under ``create_batch`` with the other rows of its table, in bulk), and its key
    fills the column. The columns of one composite key share the one association.
    """

    __slots__ = ("cls", "made", "targets")

    def __init__(self, cls: type[Factory[Any]]) -> None:
        self.cls = cls
        self.targets: dict[str, ForeignKeyTarget] | None = None
        self.made: dict[int, AssociationField] = {}

    def target(self, name: str) -> ForeignKeyTarget | None:
        """The foreign key constraint of the column ``name``, if it has one to fill."""
        targets = self.targets
        if targets is None:
            targets = self.targets = _targets_of(self.cls._model)
        return targets.get(name)

    def field(self, info: FieldInfo, target: ForeignKeyTarget) -> SpecialField[Any] | None:
        """The field that fills ``info``, or ``None`` to leave it alone (the database
        or the ORM sets it, or it may stay empty and nothing maps its table)."""
        if info.server_generated or info.extra.get("autoincrement") is True:
            return None
        related = target.model
        if related is None:
            if info.required:
                raise self._unmapped(info, target)
            return None
        if info.required:
            _check_circle(self.cls, info.name, related)
        made = self.made.get(id(target))
        if made is None:
            made = self.made[id(target)] = AssociationField(
                self.cls._pf_factory_for(related, self.cls._pf_builder)
            )
        return made.attribute(target.attributes[target.columns.index(info.name)])

    def _where(self, info: FieldInfo) -> str:
        return f"{self.cls.__name__}: cannot fill {self.cls._model.__name__}.{info.name}"

    def _unmapped(self, info: FieldInfo, target: ForeignKeyTarget) -> FactoryDefinitionError:
        return FactoryDefinitionError(
            f"{self._where(info)}, a foreign key to {', '.join(target.targets)} that cannot be "
            f"NULL: no class of {self.cls._model.__name__}'s registry maps the table "
            f"{target.table!r}, so no row can be made for it; give {info.name!r} a value in the "
            f"schema, map the table to a class, or map the field with _name_mappings = "
            f"{{{info.name!r}: lambda faker, field: ...}}"
        )


_foreign_keys: dict[type[Any], dict[str, ForeignKeyTarget]] = {}


def _targets_of(model: type[Any]) -> dict[str, ForeignKeyTarget]:
    """The foreign key targets of a SQLAlchemy mapped class by attribute, read once."""
    found = _foreign_keys.get(model)
    if found is None:
        from pyfactory.introspect._sqlalchemy_fields import foreign_key_targets, is_sqlalchemy

        found = foreign_key_targets(model) if is_sqlalchemy(model) else {}
        _foreign_keys[model] = found
    return found


#: The unique trackers and unique-together groups of each factory class.
_trackers: dict[type[Any], list[UniqueTracker | _Combinations]] = {}
_unique_fields: dict[tuple[type[Any], str], UniqueTracker] = {}
_unique_columns: dict[tuple[type[Any], str], UniqueTracker] = {}

#: What the unique auto-filled fields and groups have given, by tracker: see
#: :func:`unique_snapshot`.
UniqueMemory = Mapping["UniqueTracker | _Combinations", frozenset[Any]]


def reset_unique(cls: type[Any]) -> None:
    """Forget the values that the unique auto-filled fields of ``cls`` (and its
    subclasses) have given."""
    for owner, trackers in list(_trackers.items()):
        if issubclass(owner, cls):
            for tracker in trackers:
                tracker.reset()


def _all_trackers() -> list[UniqueTracker | _Combinations]:
    with _lock:
        found = [tracker for trackers in _trackers.values() for tracker in trackers]
    # Factories of one model share a tracker's record or a group: each once.
    return list({id(tracker): tracker for tracker in found}.values())


def unique_snapshot() -> UniqueMemory:
    """The values that every unique auto-filled field and group has given so far."""
    return {tracker: tracker.snapshot() for tracker in _all_trackers()}


def unique_restore(memory: UniqueMemory) -> None:
    """Make the values in ``memory`` (from :func:`unique_snapshot`) the ones given so
    far; a field or group that ``memory`` lacks (made since) has given none."""
    trackers = _all_trackers()
    # The new ones first: a new factory's tracker may share the record of one in
    # ``memory`` (see UniqueTracker.share), which must end up as ``memory`` has it.
    for tracker in trackers:
        if tracker not in memory:
            tracker.reset()
    for tracker in trackers:
        kept = memory.get(tracker)
        if kept is not None:
            tracker.restore(kept)


# ------------------------------------------------------------- unique together


def _unique_together(
    cls: type[Factory[Any]], layer: dict[str, Any], fields: list[FieldInfo], given: frozenset[str]
) -> None:
    """Make the auto-filled fields of each unique-together group (``unique_together``,
    a unique constraint or index of several columns, a composite primary key) give
    combinations that do not repeat.

    A group needs nothing when one of its fields is unique alone, made by the database,
    or filled by a new related row each time. Otherwise one auto-filled field, the one
    with the most values to choose from, draws again until the combination with the
    others (the other auto-filled ones and plain fields the schema gives) is new.
    A relation the schema gives, or a field left to its default, is not read: the
    rest is then kept unique on its own, which is stricter than needed but safe.
    """
    groups = _groups_of(cls._model)
    if not groups:
        return
    from pyfactory.autofill import UniqueTracker

    by_name = {f.name: f for f in fields}
    for group in groups:
        drawn: list[str] = []
        read: list[str] = []
        for name in group:
            info = by_name.get(name)
            field = layer.get(name)
            if isinstance(field, AutoField):
                if isinstance(field.generator, UniqueTracker):
                    break  # unique alone, so together too
                drawn.append(name)
            elif field is not None or (info is not None and info.server_generated):
                break  # a new related row each time, or the database makes it
            elif name in given and _plain(info):
                read.append(name)
        else:
            if drawn:
                _close(cls, layer, group, drawn, read, by_name)


def _plain(info: FieldInfo | None) -> bool:
    return info is not None and info.relation is None and not info.extra.get("references")


def _close(
    cls: type[Factory[Any]],
    layer: dict[str, Any],
    group: tuple[str, ...],
    drawn: list[str],
    read: list[str],
    by_name: dict[str, FieldInfo],
) -> None:
    closer = drawn[0]
    for name in drawn[1:]:
        if _room(by_name[name]) >= _room(by_name[closer]):
            closer = name
    others = tuple(n for n in group if n != closer and (n in drawn or n in read))
    auto = layer[closer]
    with _lock:
        # By model, not factory: every factory of the model writes the same rows.
        seen = _together.get((cls._model, group))
        if seen is None:
            where = f"{cls._model.__name__}.({', '.join(group)})"
            from pyfactory.autofill._unique import UniqueCombinations

            seen = _together[(cls._model, group)] = UniqueCombinations(where)
        trackers = _trackers.setdefault(cls, [])
        if seen not in trackers:
            trackers.append(seen)
    layer[closer] = _TogetherField(auto.generator, auto.info, cls, others, seen)


def _room(info: FieldInfo) -> float:
    """About how many values a field can take, to pick the one that draws again."""
    if info.choices is not None:
        return float(len(info.choices))
    low = info.ge if info.ge is not None else info.gt
    high = info.le if info.le is not None else info.lt
    numbers = (int, float)
    if isinstance(low, numbers) and isinstance(high, numbers):
        return float(high) - float(low) + 1.0
    if bool in (info.type, *get_args(info.type)):
        return 2.0
    if info.max_length is not None:
        return 36.0 ** min(info.max_length, 30)
    return math.inf


_together: dict[tuple[type[Any], tuple[str, ...]], _Combinations] = {}
_ABSENT = object()


class _TogetherField(AutoField):
    """An auto-filled field that draws again until its group's combination is new."""

    __slots__ = ("combinations", "others")

    def __init__(
        self,
        generator: Generator,
        info: FieldInfo,
        owner: type[Factory[Any]],
        others: tuple[str, ...],
        combinations: _Combinations,
    ) -> None:
        super().__init__(generator, info, owner)
        self.others = others
        self.combinations = combinations

    def resolve(self, ctx: FieldContext) -> Any:
        from pyfactory.autofill import MAX_UNIQUE_TRIES
        from pyfactory.autofill._unique import _hashable

        # The others first: under acreate reading one may have to wait, and then
        # this field runs again from the start, having drawn nothing.
        attrs = ctx.attrs
        head = tuple(_hashable(attrs.get(name, _ABSENT)) for name in self.others)
        if None in head:
            return super().resolve(ctx)  # NULL never equals NULL in a unique index
        # One stand-in for every draw: each draws from keys of its own, so they differ.
        faker = self.keyed(ctx)
        refused = 0
        for _ in range(MAX_UNIQUE_TRIES):
            value = self.value(ctx, faker)
            if value is None:
                return value
            taken = self.combinations.claim((*head, _hashable(value)))
            if taken:
                return value
            refused += taken is None
        raise self.combinations.exhausted(self.info.name, MAX_UNIQUE_TRIES, refused)


_groups: dict[type[Any], list[tuple[str, ...]]] = {}


def _groups_of(model: Any) -> list[tuple[str, ...]]:
    """The unique-together groups of a SQLAlchemy or Django model, read once."""
    found = _groups.get(model)
    if found is None:
        from pyfactory.introspect._django_fields import django_unique_groups, is_django
        from pyfactory.introspect._sqlalchemy_fields import is_sqlalchemy, sqlalchemy_unique_groups

        if is_sqlalchemy(model):
            found = sqlalchemy_unique_groups(model)
        elif is_django(model):
            found = django_unique_groups(model)
        else:
            found = []
        _groups[model] = found
    return found
