"""Plan: a schema's dict, made once per schema, traits and overrides.

:class:`Planning` turns names into a :class:`~pyfactory._core.plan.plan.Plan`:
the name rule (a trait may stand where the schema goes), trait layering, the
schema method's evaluation (with ``super()`` chaining), the auto-fill layer, and
the checks of overrides and context keys. It reads definitions and makes no
object.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    TypeVar,
)

from pyfactory._core.definition import FactoryBase
from pyfactory._core.plan.auto import auto_layer
from pyfactory._core.plan.keys import (
    ModelKeys,
    close_names,
    context_error,
    either,
    may_read_context,
    unchecked,
)
from pyfactory._core.plan.plan import Plan, check_dict
from pyfactory._names import (
    NoDefaultSchema,
    NotASchema,
    NotATrait,
    split_names,
)
from pyfactory.errors import (
    CyclicDependencyError,
    FactoryError,
    OverrideError,
    SchemaError,
    UnknownSchemaError,
    UnknownTraitError,
    UsageError,
)
from pyfactory.fields import OMIT

if TYPE_CHECKING:
    from pyfactory._factory import Factory

M = TypeVar("M")


class _Frame:
    """A schema or trait being evaluated, for ``self.schema()`` and ``super()`` inside it."""

    __slots__ = ("factory", "index", "kind", "name")

    def __init__(self, factory: Factory[Any], kind: str, name: str, index: int) -> None:
        self.factory = factory
        self.kind = kind
        self.name = name
        self.index = index


_local = threading.local()


def _frames() -> list[_Frame]:
    frames: list[_Frame] | None = getattr(_local, "frames", None)
    if frames is None:
        frames = _local.frames = []
    return frames


def _trait_cycle(cycle: list[str]) -> str:
    return (
        f"traits switch each other on: {' → '.join(cycle)}; "
        "a trait may switch on another only if that one does not lead back to it"
    )


class Planning(FactoryBase[M]):
    """A factory's plans; see the module docstring."""

    @classmethod
    def _pf_model_keys(cls) -> ModelKeys:
        """What the model takes, read from the builder once per class."""
        keys = cls._pf_keys
        if keys is None:
            keys = cls._pf_keys = ModelKeys(cls._pf_builder, cls._model)
        return keys

    def _pf_check_given(self, schema: str, layers: list[dict[str, Any]]) -> None:
        """Refuse a context key given to this factory that is meant for the objects, as
        each plan is made: ``UserFactory(first_name="x")`` for
        ``UserFactory().build(first_name="x")``.

        Such a key names a field of the model or a key of the schema, and nothing reads
        it: not the builder (its ``context_keys``), not the schema and trait methods
        that just ran (``self.context["author_id"]``), and not the key's own field when
        that runs code of the user's (``lazy``), which may read it later.
        """
        cls = type(self)
        reads = self._pf_context._reads or ()
        builder_reads = cls._pf_builder.context_keys
        fields = cls._pf_model_keys().fields
        schema_keys: dict[str, Any] = {}
        for layer in layers:
            schema_keys.update(layer)
        for key in self._pf_given:
            if key in reads or key in builder_reads:
                continue
            if key in fields:
                what = f"a field of {cls._model.__name__}"
            elif key in schema_keys:
                what = f"a key of its schema {schema!r}"
            else:
                continue
            if may_read_context(schema_keys.get(key)):
                continue
            raise context_error(cls.__name__, key, what).within(cls.__name__, schema)

    def _pf_check_overrides(self, plan: Plan, overrides: Mapping[str, Any]) -> None:
        """Refuse an override that the model does not take, before anything is made: it
        is no field of the model, no key of the schema or its traits (transient ones
        included), no trait and no ``transient()`` of its own; a ``key__field`` key's
        head is checked as it resolves."""
        cls = type(self)
        accepted = (cls._pf_keys or cls._pf_model_keys()).accepted
        if accepted is None:
            return
        base = plan.base
        for key, value in overrides.items():
            if key not in accepted and key not in base and unchecked(key, value):
                known = [*cls._pf_model_keys().fields, *base, *cls._pf_traits]
                close = close_names(key, known)
                model = cls._model.__name__
                if close:
                    hint = f"did you mean {either(close)}?"
                else:
                    hint = f"the keys it takes are: {', '.join(sorted(set(known)))}"
                error = OverrideError(
                    f"{key!r} is not a field of {model}, a key of the schema or a trait of "
                    f"{cls.__name__}; {hint}"
                )
                raise error.within(plan.factory_name, plan.schema, key)

    def _pf_evaluate(self, kind: str, name: str, index: int) -> dict[str, Any]:
        """Run the schema or trait method ``name`` as defined at ``index`` in the MRO."""
        cls = type(self)
        if kind == "schema":
            definitions = cls._pf_schemas.get(name)
            if definitions is None:
                raise UnknownSchemaError(cls.__name__, name, cls._pf_schemas)
            definition = definitions[index]
        else:
            found = cls._pf_traits.get(name)
            if found is None:
                raise UnknownTraitError(cls.__name__, name, cls._pf_traits)
            definition = found
        frames = _frames()
        frames.append(_Frame(self, kind, name, index))  # type: ignore[arg-type]
        try:
            raw = definition.func(self)
        finally:
            frames.pop()
        where = f"the {kind} method {name!r}"
        if index:
            where = f"{definition.owner.__name__}'s {kind} method {name!r}"
        return check_dict(raw, where)

    def _pf_raw_dict(self, kind: str, name: str) -> dict[str, Any]:
        """The dict of a schema or trait; cached, so callers must not change it."""
        raw = self._pf_raw.get((kind, name))
        if raw is None:
            raw = self._pf_evaluate(kind, name, 0)
            table = type(self)._pf_schemas if kind == "schema" else None
            cache = table[name][0].cache if table else type(self)._pf_traits[name].cache
            if cache:
                self._pf_raw[(kind, name)] = raw
        return raw

    def _pf_inside_schema(self) -> bool:
        return any(f.factory is self for f in _frames())

    def _pf_names(self, schema: str | None, traits: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        """The schema to use and the traits, filling in ``_default_schema``."""
        cls = type(self)
        if schema is not None and not isinstance(schema, str):
            raise UsageError(f"{cls.__name__}: the schema name must be a string, got {schema!r}")
        for name in traits:
            if not isinstance(name, str):
                raise UsageError(f"{cls.__name__}: trait names are strings, got {name!r}")
        try:
            return split_names(schema, traits, cls._pf_schemas, cls._pf_traits, cls._default_schema)
        except NotASchema as error:
            raise UnknownSchemaError(cls.__name__, error.name, cls._pf_schemas) from None
        except NoDefaultSchema:
            raise UsageError(
                f"{cls.__name__} has no _default_schema, so name a schema: "
                f"one of {', '.join(sorted(cls._pf_schemas)) or 'none'}"
            ) from None
        except NotATrait as error:
            raise UnknownTraitError(cls.__name__, error.name, cls._pf_traits) from None

    def _pf_plan(
        self, schema: str | None, traits: tuple[str, ...], overrides: dict[str, Any]
    ) -> tuple[Plan, dict[str, Any]]:
        """The plan for a call, and the overrides left once trait flags are taken out."""
        cls = type(self)
        if overrides and cls._pf_traits:
            flags = [k for k in overrides if k in cls._pf_traits]
            if flags:
                overrides = dict(overrides)
                chosen = list(traits)
                for flag in flags:
                    on = overrides.pop(flag)
                    if on is not True and on is not False:
                        error = OverrideError(
                            f"trait flag {flag!r} takes True or False, got {on!r}"
                        )
                        raise error.within(cls.__name__, schema or str(cls._default_schema), flag)
                    if on and flag not in chosen:
                        chosen.append(flag)
                traits = tuple(chosen)
        key = (schema, traits) if traits else schema
        try:
            plan = self._pf_plans.get(key)
        except TypeError:
            # An unhashable name: let the checks below say what is wrong with it.
            plan = None
        if plan is None:
            name, trait_names = self._pf_names(schema, traits)
            try:
                layers = [self._pf_raw_dict("schema", name)]
                applied = self._pf_trait_layers(trait_names, layers)
                auto = cls._pf_schemas[name][0].auto
                if auto:
                    # A ``key__field`` value is for the child that ``key`` makes, which
                    # the auto layer may still have to fill.
                    given = frozenset(k for layer in layers for k in layer if "__" not in k)
                    layers.insert(0, auto_layer(cls, auto, given))  # type: ignore[arg-type]
            except FactoryError as error:
                if not error.steps:
                    error.within(cls.__name__, name)
                raise
            except Exception as exc:
                failure = FactoryError(f"the schema method raised {exc!r}")
                raise failure.within(cls.__name__, name) from exc
            if self._pf_given:
                self._pf_check_given(name, layers)
            plan = Plan(cls.__name__, name, trait_names, layers)
            if self._pf_cacheable(name, applied):
                self._pf_plans[key] = plan
            else:
                plan.cached = False
        if overrides:
            self._pf_check_overrides(plan, overrides)
            overrides = self._pf_keys_given(plan, overrides)
        return plan, overrides

    def _pf_keys_given(self, plan: Plan, overrides: dict[str, Any]) -> dict[str, Any]:
        """The overrides, with each relationship of the plan whose foreign key they give
        (``author_id=`` for ``author``) and which they leave alone left out: the key
        given is the one stored, and no related row is made for the relationship to
        overwrite it (factory_boy makes an orphan there). Children whose overrides
        point them at their parent (a ``many()``'s ``post_id``) follow the same rule."""
        holders = (type(self)._pf_keys or type(self)._pf_model_keys()).holders
        if not holders:
            return overrides
        base = plan.base
        dropped = [
            name
            for name, keys in holders.items()
            if name in base and name not in overrides and any(k in overrides for k in keys)
        ]
        if not dropped:
            return overrides
        return {**overrides, **dict.fromkeys(dropped, OMIT)}

    def _pf_trait_layers(self, names: tuple[str, ...], layers: list[dict[str, Any]]) -> list[str]:
        """Add the dicts of traits ``names`` to ``layers``, in order, and return the names
        of every trait applied.

        A trait's key that names another trait of the factory is that trait's flag, as
        among the overrides: ``True`` applies the other trait first, so that this
        trait's own keys win over its values; ``False`` leaves it off. A trait applies
        wherever it is asked for, by the caller or by another trait, and the later
        application wins; traits that switch each other on are refused. A trait's key
        that is its own name is a plain value.
        """
        known = type(self)._pf_traits
        applied: list[str] = []

        def apply(name: str, chain: list[str]) -> None:
            if name in chain:
                cycle = [*chain[chain.index(name) :], name]
                raise CyclicDependencyError("traits", cycle, reason=_trait_cycle(cycle))
            raw = self._pf_raw_dict("trait", name)
            if not any(key in known and key != name for key in raw):
                applied.append(name)
                layers.append(raw)
                return
            own = {}
            for key, value in raw.items():
                if key not in known or key == name:
                    own[key] = value
                elif value is True:
                    apply(key, [*chain, name])
                elif value is not False:
                    raise SchemaError(
                        f"the trait method {name!r} gives {key!r}, a trait of "
                        f"{type(self).__name__}, the value {value!r}; a trait switches "
                        "another on with True, or leaves it off with False"
                    )
            applied.append(name)
            layers.append(own)

        for name in names:
            apply(name, [])
        return applied

    def _pf_cacheable(self, name: str, traits: Iterable[str]) -> bool:
        cls = type(self)
        return cls._pf_schemas[name][0].cache and all(cls._pf_traits[t].cache for t in traits)
