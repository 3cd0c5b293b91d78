"""Models read into plans: what each generated factory writes out, and why.

``@schema(auto=True)`` already fills every required field from the model's own
field information (:mod:`pyfactory._core.plan.auto`), so a plan holds only what a
careful person would still write by hand:

* a relation or foreign key to another model of the project: an ``association`` to
  that model's generated factory (``.attribute("id")`` for a key column that no
  relationship sets), so the factories read as the graph they make, and a test can
  reach into it (``ticket__user__email=...``);
* a nullable foreign key: left ``None`` by the schema, and a trait ``with_<name>``
  that sets it, as the link is optional in the model too;
* a self-referential or cyclic foreign key that is not nullable: no row can be made
  first, so a comment says so instead of code that would recurse;
* a unique string or integer column: a ``sequence``, which never repeats and reads
  better than a random draw (``"Membership 3"``, ``"user3@example.org"``);
* a CHECK constraint that auto-fill does not read, and a column of a type it has no
  generator for: a comment, never code that cannot run.

Each plan also lists the parents a seed must point at, in the order
:func:`dependency_order` gives.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import attrs

from pyfactory._adopt.errors import NoModelsError
from pyfactory.introspect import FieldInfo, fields_of

__all__ = ["Entry", "ModelPlan", "Parent", "dependency_order", "plan_models"]

#: The largest INTEGER: a unique integer column of at least this range gets a sequence.
_INT_MAX = 2**31 - 1


@attrs.frozen
class Entry:
    """One key of a generated schema or trait dict.

    Attributes:
        key: The field name.
        code: The value as Python source (``association(UserFactory)``).
        comment: A line written above it, saying why it is there, or ``None``.
        names: The names of :mod:`pyfactory` that ``code`` uses.
        disabled: Written as a comment: a value is needed that no code can guess.
    """

    key: str
    code: str
    comment: str | None = None
    names: tuple[str, ...] = ()
    disabled: bool = False


@attrs.frozen
class Trait:
    """A generated trait: its name, its docstring and its one entry."""

    name: str
    doc: str
    entry: Entry


@attrs.frozen
class Parent:
    """A row a seed of this model points at: ``key`` takes a row of ``model`` (the
    object itself when ``attribute`` is ``None``, else that attribute of it)."""

    key: str
    model: type[Any]
    attribute: str | None


@attrs.frozen
class ModelPlan:
    """What the factory of one model writes out.

    Attributes:
        model: The model class.
        kind: ``"sqlalchemy"`` or ``"django"``.
        entries: The explicit keys of the ``basic`` schema, in the model's order.
        traits: The traits, one per nullable link.
        notes: Comments written at the top of the schema (unread CHECK constraints).
        parents: The required links, which a seed fills from existing rows.
        cyclic: A required link leads back to the model: no row of it can be made
            alone (its links are comments).
    """

    model: type[Any]
    kind: str
    entries: tuple[Entry, ...]
    traits: tuple[Trait, ...]
    notes: tuple[str, ...]
    parents: tuple[Parent, ...]
    cyclic: bool = False

    @property
    def name(self) -> str:
        return self.model.__name__

    @property
    def factory(self) -> str:
        return factory_name(self.model)


def factory_name(model: type[Any]) -> str:
    """``UserFactory`` for ``User``."""
    return f"{model.__name__}Factory"


def _kind(value: Any) -> str | None:
    if not isinstance(value, type):
        return None
    from pyfactory.introspect._sqlalchemy_fields import is_sqlalchemy

    if is_sqlalchemy(value):
        return "sqlalchemy"
    django = sys.modules.get("django.db.models")
    if django is not None and issubclass(value, django.Model) and value is not django.Model:
        meta = getattr(value, "_meta")  # noqa: B009 (mypy: a Django model's, untyped)
        if not (meta.abstract or meta.proxy or meta.swapped):
            return "django"
    return None


def find_models(modules: Sequence[ModuleType]) -> list[tuple[type[Any], str]]:
    """The SQLAlchemy mapped classes and concrete Django models that ``modules``
    define (not those they import), each with its kind, in the order of the source.

    Raises:
        NoModelsError: There is none.
    """
    names = {module.__name__ for module in modules}
    found: dict[type[Any], str] = {}
    for module in modules:
        for value in vars(module).values():
            kind = _kind(value)
            if kind is not None and value.__module__ in names:
                found.setdefault(value, kind)
    if not found:
        listed = ", ".join(module.__name__ for module in modules)
        raise NoModelsError(
            f"no SQLAlchemy mapped class or Django model is defined in {listed}: name the "
            "module that defines the models (not one that imports them)"
        )
    return list(found.items())


def plan_models(models: Sequence[tuple[type[Any], str]]) -> list[ModelPlan]:
    """One plan per model, parents before children (see :func:`dependency_order`)."""
    known = {model for model, _ in models}
    required = {model: _required_links(model, kind, known) for model, kind in models}
    cyclic = _cyclic(required)
    plans = [_plan(model, kind, known, cyclic) for model, kind in models]
    return dependency_order(plans)


def dependency_order(plans: Sequence[ModelPlan]) -> list[ModelPlan]:
    """``plans`` with every model after the models its required links point at, and
    otherwise in the order given (a stable topological sort). Models on a cycle keep
    their order: their links are not written (see :func:`_plan`)."""
    by_model = {plan.model: plan for plan in plans}
    done: dict[type[Any], ModelPlan] = {}
    visiting: set[type[Any]] = set()

    def visit(plan: ModelPlan) -> None:
        if plan.model in done or plan.model in visiting:
            return
        visiting.add(plan.model)
        for parent in plan.parents:
            if parent.model in by_model:
                visit(by_model[parent.model])
        visiting.discard(plan.model)
        done[plan.model] = plan

    for plan in plans:
        visit(plan)
    return list(done.values())


# ---------------------------------------------------------------- links


@attrs.frozen
class _Link:
    """A relation or foreign key column of a model to a model of the project."""

    key: str
    target: type[Any]
    attribute: str | None  # None: the relation takes the object
    nullable: bool
    info: FieldInfo


def _links(model: type[Any], kind: str, known: set[type[Any]]) -> list[_Link]:
    """The many-to-one and one-to-one links held by the model's own row, to models of
    the project: each relation, and each foreign key column that no relation sets."""
    infos = fields_of(model)
    set_by_relation = {key for info in infos if info.relation for key in info.foreign_keys}
    links = []
    for info in infos:
        if info.relation in ("many_to_one", "one_to_one") and info.foreign_keys:
            if info.related_model in known and not info.extra.get("viewonly"):
                assert info.related_model is not None
                links.append(_Link(info.name, info.related_model, None, info.nullable, info))
        elif kind == "sqlalchemy" and info.extra.get("references"):
            if info.name in set_by_relation:
                continue
            from pyfactory.introspect._sqlalchemy_fields import foreign_key_targets

            target = foreign_key_targets(model).get(info.name)
            if target is None or target.model not in known or len(target.columns) != 1:
                continue  # composite keys and other projects' tables: auto-fill's work
            links.append(_Link(info.name, target.model, target.attributes[0], info.nullable, info))
    return links


def _required_links(model: type[Any], kind: str, known: set[type[Any]]) -> set[type[Any]]:
    return {link.target for link in _links(model, kind, known) if _needed(link)}


def _needed(link: _Link) -> bool:
    return not link.nullable and not link.info.has_default


def _cyclic(required: dict[type[Any], set[type[Any]]]) -> set[type[Any]]:
    """The models that reach themselves through required links: none of them can be
    written first."""

    def reaches(start: type[Any]) -> bool:
        seen: set[type[Any]] = set()
        stack = list(required[start])
        while stack:
            model = stack.pop()
            if model is start:
                return True
            if model not in seen:
                seen.add(model)
                stack.extend(required.get(model, ()))
        return False

    return {model for model in required if reaches(model)}


def _plan(model: type[Any], kind: str, known: set[type[Any]], cyclic: set[type[Any]]) -> ModelPlan:
    entries: list[Entry] = []
    traits: list[Trait] = []
    parents: list[Parent] = []
    linked = set()
    for link in _links(model, kind, known):
        linked.add(link.key)
        code = f"association({factory_name(link.target)})"
        if link.attribute is not None:
            code += f'.attribute("{link.attribute}")'
        if link.nullable:
            name = f"with_{_stem(link.key)}"
            if any(trait.name == name for trait in traits):
                name = f"with_{link.key}"  # owner_id and owner_key: two traits
            doc = f"Links a {link.target.__name__}: ``{link.key}`` is None without this trait."
            traits.append(Trait(name, doc, Entry(link.key, code, names=("association",))))
        elif not _needed(link):
            continue  # the model gives the key a default: leave it be
        elif model in cyclic and link.target in cyclic:
            why = (
                f"{link.key} is required and {model.__name__} reaches itself through it: "
                "no row can be written first; give an existing one"
            )
            entries.append(Entry(link.key, code, why, ("association",), disabled=True))
        else:
            entries.append(Entry(link.key, code, names=("association",)))
            parents.append(Parent(link.key, link.target, link.attribute))
    infos = fields_of(model)
    for info in infos:
        if info.name in linked or info.relation is not None:
            continue
        entry = _unique_entry(model, info) or _unknown_type_entry(info)
        if entry is not None:
            entries.append(entry)
    order = {info.name: i for i, info in enumerate(infos)}
    entries.sort(key=lambda entry: order.get(entry.key, len(order)))
    notes = _notes(model, kind)
    return ModelPlan(
        model, kind, tuple(entries), tuple(traits), notes, tuple(parents), model in cyclic
    )


def _stem(key: str) -> str:
    """``required_membership`` for ``required_membership_id``."""
    return re.sub(r"_(id|pk|key)$", "", key) or key


# ---------------------------------------------------------------- plain fields


def _fillable(info: FieldInfo) -> bool:
    """Whether auto-fill gives the field a value: required, not made by the database."""
    return info.required and not info.server_generated and info.relation is None


def _unique_entry(model: type[Any], info: FieldInfo) -> Entry | None:
    """A ``sequence`` for a unique string or integer that auto-fill would draw."""
    if not (info.unique and _fillable(info)) or info.choices or info.pattern:
        return None
    base = _base(info.type)
    if base is int:
        low = 1 if info.ge is None else info.ge
        high = info.le if info.le is not None else info.lt
        if (
            (info.gt is not None and info.gt >= 1)
            or low > 1
            or info.multiple_of
            or (high is not None and high < _INT_MAX)
        ):
            return None  # a range narrower than an INTEGER's: auto-fill's draws honour it
        return Entry(info.name, "sequence(lambda n: n)", names=("sequence",))
    if base is not str:
        return None
    room = info.max_length
    slug = _slug(model.__name__)
    if info.extra.get("format") == "email" or "email" in info.name:
        candidates = [f"{slug}{{n}}@example.org", f"{slug[:1]}{{n}}@example.org"]
    else:
        candidates = [f"{model.__name__} {{n}}", f"{slug}-{{n}}", f"{slug}{{n}}"]
    # Room for five digits of n: the sequence must not outgrow the column in a seed.
    fits = [c for c in candidates if room is None or len(c) - 3 + 5 <= room]
    if not fits:
        return None  # a short column: auto-fill's unique draws honour its length
    text = fits[0]
    if info.min_length is not None and len(text) - 3 + 1 < info.min_length:
        return None
    return Entry(info.name, f'sequence("{text}")', names=("sequence",))


def _unknown_type_entry(info: FieldInfo) -> Entry | None:
    """A comment for a required column whose type says nothing of its values."""
    if not _fillable(info) or _base(info.type) is not Any:
        return None
    why = (
        f"{info.name}: its column type has no Python type, so auto-fill writes words; "
        "give a value the column takes"
    )
    return Entry(info.name, "...", why, disabled=True)


def _base(tp: Any) -> Any:
    from pyfactory.introspect._common import non_none

    return non_none(tp)


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _notes(model: type[Any], kind: str) -> tuple[str, ...]:
    """One comment per CHECK constraint part that auto-fill does not read."""
    from pyfactory.introspect._checks import django_checks, sqlalchemy_checks

    checks = sqlalchemy_checks(model) if kind == "sqlalchemy" else django_checks(model)
    notes = []
    for check in checks:
        for part in check.unread:
            named = f" ({check.name})" if check.name else ""
            notes.append(
                f"CHECK{named} {part}: not read by auto-fill, which draws again until "
                "a row passes it; write the fields it needs here if a create fails"
            )
    return tuple(notes)
