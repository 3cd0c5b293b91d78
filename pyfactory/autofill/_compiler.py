"""The compiler: :class:`_Compiler` turns one field into a generator, in the order
of look-ups that :func:`~pyfactory.autofill.resolve_generator` documents, and
words the errors for a field that cannot be generated.

Layer: the top of ``pyfactory.autofill`` below ``_resolve``: it reads the tables of
generators (``_types``, ``_names``, ``_formats``) and the modules under them, and none
of them imports it. A generator called on its own reaches it through
``_BuiltinGenerator._compile_alone``, which this module sets.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

import attrs

from pyfactory.autofill._common import (
    _MISSING,
    _NONE_TYPE,
    _UNION_ORIGINS,
    Generator,
    NestedModel,
    _as_json,
    _choice,
    _constant,
    _convert,
    _draw_float,
    _Impossible,
    _LeaveAlone,
    _Unsupported,
)
from pyfactory.autofill._formats import _FORMATS, _special_type
from pyfactory.autofill._generators import NameGenerator, _BuiltinGenerator
from pyfactory.autofill._lookup import _is_model, _lookup_name, _lookup_type, _mro_keys, _type_name
from pyfactory.autofill._names import NAME_GENERATORS
from pyfactory.autofill._spec import _CONSTRAINTS, _Spec, _spec_for, _spec_of_field
from pyfactory.autofill._text import _SizedWords, _str_rule
from pyfactory.autofill._types import _SCALARS, TYPE_GENERATORS
from pyfactory.autofill._unique import UniqueTracker, _FallbackTracker
from pyfactory.errors import FactoryDefinitionError

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory.introspect import FieldInfo


def _leaves_alone(field: FieldInfo) -> bool:
    """Whether nothing should be generated for the field: the database or the ORM sets it
    (an autoincrement key is ``server_generated``), or it is a relation that the
    other side holds."""
    if field.server_generated or (field.extra or {}).get("autoincrement") is True:
        return True
    return field.relation is not None and field.relation != "many_to_one"


class _Compiler:
    """Turns one field into a generator; keeps what the error messages need."""

    def __init__(
        self,
        field: FieldInfo,
        name_mappings: Mapping[str, Generator | None] | None,
        type_mappings: Mapping[Any, Generator | None] | None,
        factory: str | None,
        model: str | None,
        nullable_probability: float = 0.0,
    ) -> None:
        self.field = field
        self.name_mappings = name_mappings
        self.type_mappings = type_mappings
        self.factory = factory
        self.model = model
        self.nullable_probability = nullable_probability
        self.spec = _spec_of_field(field)

    # -- messages

    @property
    def where(self) -> str:
        return f"{self.model}.{self.field.name}" if self.model else self.field.name

    def _prefix(self) -> str:
        return f"{self.factory}: " if self.factory else ""

    def unsupported(self, inner: Any) -> FactoryDefinitionError:
        return FactoryDefinitionError(
            f"{self._prefix()}cannot generate {self.where} of type "
            f"{_type_name(self.field.type)}; map it with _type_mappings = "
            f"{{{_type_name(inner)}: lambda faker, field: ...}} or _name_mappings = "
            f"{{{self.field.name!r}: ...}}"
        )

    def impossible(self, reason: str) -> FactoryDefinitionError:
        return FactoryDefinitionError(
            f"{self._prefix()}cannot generate {self.where} of type "
            f"{_type_name(self.field.type)}: {reason}; map it with _name_mappings = "
            f"{{{self.field.name!r}: lambda faker, field: ...}}"
        )

    # -- the order of look-ups

    def resolve(self) -> Generator | None:
        try:
            return self._resolve()
        except _LeaveAlone:
            return None
        except _Unsupported as error:
            raise self.unsupported(error.type) from None
        except _Impossible as error:
            raise self.impossible(str(error)) from None

    def _resolve(self) -> Generator | None:
        field = self.field
        found = _lookup_name(self.name_mappings, field.name)
        if found is not _MISSING:
            if found is None:
                return None
            self._check_callable(found, f"_name_mappings[{field.name!r}]")
            return self._finish(self._own(found, self.spec, top=True))
        if _leaves_alone(field):
            return None
        if field.relation == "many_to_one" and field.related_model is not None:
            marker = NestedModel(field.related_model, bool(field.nullable or self.spec.nullable))
            return self._finish(_constant(marker), unique=False)
        gen = self._top()
        if self.spec.json:
            gen = _as_json(gen)
        return self._finish(gen)

    def _top(self) -> Generator:
        spec = self.spec
        found = _lookup_type(self.type_mappings, spec.raw)
        if found is not _MISSING:
            return self._user(found, spec, None)
        choices = self.field.choices
        if choices:
            return _choice(choices)
        if choices is not None:
            # No value but None is allowed (an empty attrs in_, an Enum of no members).
            if self.field.nullable or spec.nullable:
                return _constant(None)
            raise _Impossible("it has no choices: no value is allowed")
        if spec.pattern is None:
            # A declared format (Django's EmailField, pydantic's EmailStr as a str field)
            # is a constraint, so it comes before the name.
            fmt = _FORMATS.get((self.field.extra or {}).get("format"))
            if fmt is not None:
                gen = fmt.compile(self, spec)
                if gen is not None:
                    return gen
            named = _lookup_name(NAME_GENERATORS, self.field.name)
            if isinstance(named, NameGenerator):
                gen = named.compile(self, spec)
                if gen is not None:
                    return gen
        return self.builtin(spec, None)

    def compile(self, spec: _Spec, item: FieldInfo | None) -> Generator:
        """A generator for a type inside the field (an element, a union branch)."""
        found = _lookup_type(self.type_mappings, spec.raw)
        if found is not _MISSING:
            return self._user(found, spec, item)
        gen = self.builtin(spec, item)
        return _as_json(gen) if spec.json else gen

    def _user(self, found: Any, spec: _Spec, item: FieldInfo | None) -> Generator:
        if found is None:
            raise _LeaveAlone
        self._check_callable(found, f"_type_mappings[{_type_name(spec.raw)}]")
        gen = self._own(found, spec, top=spec is self.spec)
        if item is None or gen is not found:
            return gen

        def on_item(faker: Faker, field: FieldInfo) -> Any:
            return gen(faker, item)

        return on_item

    def _own(self, gen: Generator, spec: _Spec, *, top: bool) -> Generator:
        """A user's generator as it is, or one of ours compiled for this field (which
        keeps to the field's choices, as ours always do)."""
        if isinstance(gen, _BuiltinGenerator):
            if top and self.field.choices:
                return _choice(self.field.choices)
            compiled = gen.compile(self, spec)
            if compiled is not None:
                return compiled
        return gen

    def _check_callable(self, value: Any, where: str) -> None:
        if not callable(value):
            raise FactoryDefinitionError(
                f"{self._prefix()}{where} must be a callable (faker, field) -> value, "
                f"or None to leave {self.where} alone; got {value!r}"
            )

    def _finish(self, gen: Generator, unique: bool | None = None) -> Generator:
        field = self.field
        if unique is None:
            # Introspection marks single-column primary keys unique; a column of a
            # composite key may well repeat.
            unique = bool(field.unique)
        if unique:
            # Words run out long before the strings of a short max_length do.
            fallback = gen.unique_fallback() if isinstance(gen, _SizedWords) else None
            if fallback is None:
                gen = UniqueTracker(gen, self.where)
            else:
                gen = _FallbackTracker(gen, self.where, fallback)
        probability = self.nullable_probability
        if probability > 0 and (field.nullable or self.spec.nullable):
            inner = gen

            def sometimes_none(faker: Faker, field: FieldInfo) -> Any:
                if _draw_float(faker) < probability:
                    return None
                return inner(faker, field)

            gen = sometimes_none
        return gen

    # -- built-in types

    def builtin(self, spec: _Spec, item: FieldInfo | None, window: Any = None) -> Generator:
        tp = spec.type
        if tp is None or tp is _NONE_TYPE:
            return _constant(None)
        if tp is Any or tp is object:
            return _str_rule(self, spec, None)
        origin = get_origin(tp)
        if origin is Literal:
            return _choice(get_args(tp))  # typing flattens nested Literals
        if origin in _UNION_ORIGINS:
            return self._union(spec, item)
        base = origin if isinstance(origin, type) else tp
        if not isinstance(base, type):
            raise _Unsupported(tp)
        if issubclass(base, enum.Enum):
            members = tuple(base)
            if not members:
                raise _Impossible(f"the Enum {base.__qualname__} has no members")
            return _choice(members)
        special = _special_type(base)
        if special is not None:
            # Made as Any: pydantic validates text into its own types. Never None then.
            return special.compile(self, attrs.evolve(spec, type=Any), window) or _constant(None)
        if _is_model(base):
            return _constant(NestedModel(base, spec.nullable))
        for key in _mro_keys(base):
            rule = TYPE_GENERATORS.get(key)
            if rule is not None:
                gen = rule.compile(self, spec, window)
                if key is not base and key in _SCALARS:
                    # A subclass of a scalar (``class UserId(int)``): give its own type.
                    return _convert(gen, base)
                return gen
        raise _Unsupported(tp)

    def _union(self, spec: _Spec, item: FieldInfo | None) -> Generator:
        first: _Unsupported | None = None
        kept = (*_CONSTRAINTS, "pattern_flags", "patterns", "tz", "uuid_version")
        constraints = {name: getattr(spec, name) for name in kept}
        for branch in get_args(spec.type):  # None is no longer among them
            try:
                return self.compile(_spec_for(branch, constraints), item)
            except _Unsupported as error:
                first = first or error
        raise first or _Unsupported(spec.type)

    def item(self, tp: Any) -> Generator:
        """The generator for a container's element type.

        A user's generator for it is called with a field of its own, named
        ``tags[]`` for the elements of ``tags``.
        """
        from pyfactory.introspect import FieldInfo

        return self.compile(_spec_for(tp), FieldInfo(f"{self.field.name}[]", tp))


def _compile_alone(generator: _BuiltinGenerator, field: FieldInfo) -> Generator:
    """The generator that a built-in generator called on its own gives for ``field``:
    compiled as a factory without mappings would, its natural value for a type it
    cannot make, and the compiler's errors for a type or constraints it cannot meet."""
    compiler = _Compiler(field, None, None, None, None)
    try:
        gen = generator.compile(compiler, compiler.spec)
        if gen is None:
            gen = generator._fallback(compiler, compiler.spec)
    except _Unsupported as error:
        raise compiler.unsupported(error.type) from None
    except _Impossible as error:
        raise compiler.impossible(str(error)) from None
    return gen


# The generators call it when called on their own; they cannot import this module,
# which reads their tables.
_BuiltinGenerator._compile_alone = _compile_alone
