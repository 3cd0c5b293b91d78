"""Which keys a factory's model takes, for two checks made before anything is made:
a context key that names a field of the model (a value meant for the object, given
to the factory), and an override that the model does not take (a misspelt name)."""

from __future__ import annotations

import difflib
import inspect
import types
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pyfactory._core.plan.plan import split_dunder
from pyfactory.builders import DictBuilder
from pyfactory.errors import UsageError
from pyfactory.fields import DerivedField, LazyField, SpecialField, TransientField

if TYPE_CHECKING:
    from pyfactory.builders import ModelBuilder
    from pyfactory.introspect import FieldInfo

__all__ = [
    "NO_KEYS",
    "ModelKeys",
    "close_names",
    "context_error",
    "either",
    "may_read_context",
    "unchecked",
]

#: No context keys: those of a child, which came down from its parent.
NO_KEYS: Mapping[str, Any] = types.MappingProxyType({})

#: The builder methods that receive the attributes: when a builder of its own defines
#: one of them, it may take keys that its model lacks, so overrides are not checked.
_TAKERS = (
    "build",
    "create",
    "create_many",
    "acreate",
    "acreate_many",
    "insert_many",
    "ainsert_many",
)


class ModelKeys:
    """What one factory class's model takes, read once from its builder's ``fields()``.

    Attributes:
        fields: The model's field names, the constructor's aliases of them and the
            keywords its constructor names; empty when the builder cannot list them.
        accepted: Every key the builder takes for the model, or ``None`` when that
            cannot be known (the builder cannot list the fields, the model takes any
            key, or the builder is one of your own that receives the attributes).
        holders: For each relationship whose key the model holds, the fields that
            hold it (``{"author": ("author_id",)}``), from the fields'
            ``foreign_keys``.
    """

    __slots__ = ("accepted", "fields", "holders")

    def __init__(self, builder: ModelBuilder[Any], model: type[Any]) -> None:
        try:
            infos = builder.fields(model)
        except Exception:
            # Not a kind of model whose fields pyfactory reads (a plain class): nothing
            # to check against.
            infos = []
            readable = False
        else:
            readable = True
        declared, any_key = _constructor(model) if readable else (set(), False)
        names = {info.name for info in infos} | declared
        names.update(_aliases(model, infos))
        self.fields = frozenset(names)
        self.holders = {info.name: info.foreign_keys for info in infos if info.foreign_keys}
        self.accepted: frozenset[str] | None = None
        if readable and _checkable(builder, model):
            orm = _is_orm(model)
            if any_key and not orm:
                return  # an __init__ of its own that takes **kwargs: any key may do
            taken = set(names)
            for info in infos:
                taken.update(info.foreign_keys)
            if orm:
                # SQLAlchemy's constructor sets any attribute of the class, Django's its
                # properties and ``author_id``, and their builders set the relationships;
                # an __init__ of the model's own passes its **kwargs on to theirs.
                taken.update(dir(model))
            self.accepted = frozenset(taken)


def _aliases(model: type[Any], infos: Iterable[FieldInfo]) -> set[str]:
    """The constructor's other names for fields: ``extra["alias"]``, and every choice of
    a pydantic ``AliasChoices``."""
    found = {alias for info in infos if isinstance(alias := info.extra.get("alias"), str)}
    for field in getattr(model, "__pydantic_fields__", {}).values():
        alias = getattr(field, "validation_alias", None)
        for choice in getattr(alias, "choices", ()):
            if isinstance(choice, str):
                found.add(choice)
    return found


def _constructor(model: type[Any]) -> tuple[set[str], bool]:
    """The keywords the model's constructor names (a ``password`` its own ``__init__``
    takes, say), and whether it takes ``**kwargs``."""
    try:
        parameters = inspect.signature(model).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover - a constructor with no signature
        return set(), False
    named = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return named, any(p.kind is p.VAR_KEYWORD for p in parameters)


def _checkable(builder: ModelBuilder[Any], model: type[Any]) -> bool:
    """Whether the keys that reach ``model`` can be known: not for a dict or a TypedDict
    (any key is an item), a pydantic model that keeps extra keys, or a builder of one's
    own that receives the attributes."""
    if isinstance(builder, DictBuilder) or issubclass(model, dict):
        return False
    config = getattr(model, "model_config", None) or getattr(model, "__pydantic_config__", None)
    if isinstance(config, dict) and config.get("extra") == "allow":
        return False
    kind = type(builder)
    # Whether one of these methods was written outside pyfactory: a declared flag would
    # be inherited by a subclass of SQLAlchemyBuilder that overrides create(), so what is
    # asked is where each method comes from, not what the builder says of itself.
    return all(
        getattr(getattr(kind, name), "__module__", "").startswith("pyfactory.") for name in _TAKERS
    )


def _is_orm(model: type[Any]) -> bool:
    from pyfactory.introspect._django_fields import is_django
    from pyfactory.introspect._sqlalchemy_fields import is_sqlalchemy

    return is_sqlalchemy(model) or is_django(model)


def close_names(key: str, names: Iterable[str]) -> list[str]:
    """The names most like ``key``, best first, for a did-you-mean."""
    return difflib.get_close_matches(key, sorted(set(names)), n=3, cutoff=0.6)


def either(names: list[str]) -> str:
    """``'a'``, ``'a' or 'b'``, ``'a', 'b' or 'c'``."""
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def context_error(factory: str, key: str, what: str) -> UsageError:
    """The error of a context key meant for the objects: ``UserFactory(first_name=...)``."""
    return UsageError(
        f"{factory}({key}=...) was given {key!r}, {what}, as its context, and nothing "
        f"reads it there; pass the object's values to the call: {factory}().build({key}=...)"
    )


def may_read_context(value: object) -> bool:
    """Whether a schema's value runs code of the user's, which may read the context."""
    return isinstance(value, (LazyField, DerivedField)) or (
        isinstance(value, SpecialField) and not type(value).__module__.startswith("pyfactory.")
    )


def unchecked(key: str, value: object) -> bool:
    """Whether an override that names no key the factory knows is refused: not when it
    is a ``key__field`` key (its head is checked as it resolves) or a ``transient()``,
    which never reaches the model."""
    return split_dunder(key) is None and not isinstance(value, TransientField)
